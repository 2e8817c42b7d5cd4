export { centreJacobian, describeCameraMotion, type CameraMotion } from './camera-motion.js';
export {
  estimateGlobalMotion,
  type GlobalMotion,
  type GlobalMotionOptions,
} from './estimate-global-motion.js';
export { applyHomography, identityHomography, invertHomography, multiplyHomography } from './homography.js';
