// The help text of each command, apart from the commands: main.ts prints them all without loading any
// command (serve and worker pull in the HTTP server, the stores and the S3 client: ~1 s before a render starts).

export const WORKER_USAGE = `inbetween worker [options]  renders tasks only: no public HTTP, /healthz /readyz /metrics on
  --health-port; takes the settings of serve (DATABASE_URL, STORAGE_URL, --workers = renders at once, ...)`;

export const KEYS_USAGE = `inbetween keys create [--name NAME] [--balance USD] | list | revoke KEY_ID
               | top-up KEY_ID --amount USD | adjust KEY_ID (--credit USD | --debit USD) --reason TEXT
               [--idempotency-key KEY] [--data-dir DIR]
  API keys and their money in the embedded store, without the HTTP admin API (the server may be running).
  Without --balance a key is unlimited. top-up and adjust write the ledger like the admin API does; the same
  --idempotency-key again makes no second entry.`;

export const MIGRATE_USAGE = `inbetween migrate [--database-url URL] [--data-dir DIR]
  Brings the database schema up to date and exits: PostgreSQL when DATABASE_URL is set, else the embedded SQLite
  file. Servers and workers migrate when they start as well; this migrates once, ahead of a deploy.`;

export const RENDER_USAGE = `inbetween render START [END] -o out.mp4 [options]

  -o, --output PATH        MP4 to write (required); the cover JPEG goes beside it (.jpg)
  --duration 1..8          seconds, default 5 (24 fps)
  --resolution R           540p | 720p | 1080p, default 720p
  --movement A             auto | small | medium | large, default auto
  --seed N                 same inputs and seed give the same frames; 0 or absent picks one
  --prompt TEXT            camera words drive the camera (push in, pull out, pan left/right,
                           tilt up/down, orbit, static)
  --threads N              render threads, default one per core
  --watermark              mark every frame and the cover ("AI Generated", or --wm-image)
  --wm-position 1..4       1 top-left, 2 top-right, 3 bottom-right (default), 4 bottom-left
  --wm-image PATH          png/jpeg/webp to use as the watermark (transparency kept)
  --bgm                    background music generated to fit the footage (AAC, -16 LUFS)
  --is-rec                 write the prompt from the frames (camera, motion, light, colours) and use it
  --meta-data JSON         the AIGC label (GB 45438-2025 fields) embedded in the MP4; a default one
                           (Label "1", inbetween as producer) when absent
  --no-cover               do not write the cover JPEG`;

export const INTERPOLATE_USAGE = `inbetween interpolate START END --times 0.25,0.5 -o out_%d.png

  --times LIST             comma-separated times between 0 (START) and 1 (END)
  -o, --output PATTERN     %d (or %03d) is replaced by the frame's 1-based index in LIST;
                           the extension picks png, jpg or webp
  No camera layer; frames have START's size (END is fitted to it).`;
