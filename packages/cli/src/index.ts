/**
 * The CLI's library surface: the headless notebook runner (tests and `casebook run` use it), and the bisect's record
 * keeping around injected step measurements (`casebook bisect` uses it; a test drives it with made-up steps).
 */
export {
  type BisectRecordHead,
  type BisectRecording,
  type BisectStepRun,
  recordBisect,
} from './bisect-record';
export * from './notebook';
