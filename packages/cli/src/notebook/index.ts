export {
  NotebookError,
  type NotebookErrorCode,
  NotebookExecutionError,
  type NotebookFailureKind,
} from './errors';
export { ensureKernelspec, type KernelSpec, kernelSpec, kernelSpecText, kernelspecPath } from './kernelspec';
export { type CellProgress, type RunNotebookOptions, type RunNotebookResult, runNotebook } from './notebook-runner';
export {
  cellTags,
  declaredParameters,
  ensureStableCellIds,
  INJECTED_PARAMETERS_TAG,
  type InjectionResult,
  injectParameters,
  type NotebookCell,
  type NotebookDocument,
  type NotebookParameters,
  type NotebookParameterValue,
  PARAMETERS_TAG,
  parameterSource,
  parseNotebook,
} from './parameters';
export {
  executeNotebookScript,
  jupyterDataDir,
  jupyterPathEnv,
  kernelDisplayName,
  kernelName,
  pythonStatePath,
  repoRoot,
} from './paths';
export { findPython, type PythonInfo, type PythonSource, probePython } from './python';
