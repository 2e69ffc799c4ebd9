/** The CLI's library surface: the headless notebook runner (tests and `casebook run` use it). */
export * from './notebook';
