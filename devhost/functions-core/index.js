// What the Azure Functions Node worker hands to `require('@azure/functions-core')`.
// @azure/functions registers every function and hook through this module; devhost reads the
// captured registrations from one shared object so it can invoke them as the host would.
const REGISTRY_KEY = Symbol.for('pim.devhost.functionsCore');

function registry() {
  if (!globalThis[REGISTRY_KEY]) {
    globalThis[REGISTRY_KEY] = {
      functions: new Map(),
      hooks: new Map(),
      programmingModel: undefined,
      logSink: undefined,
    };
  }
  return globalThis[REGISTRY_KEY];
}

class Disposable {
  constructor(callOnDispose) {
    this._callOnDispose = callOnDispose;
  }
  static from(...inputs) {
    return new Disposable(() => {
      for (const input of inputs) input.dispose();
    });
  }
  dispose() {
    if (this._callOnDispose) {
      this._callOnDispose();
      this._callOnDispose = undefined;
    }
  }
}

function registerFunction(metadata, callback) {
  const reg = registry();
  const key = metadata.name.toLowerCase();
  if (reg.functions.has(key)) {
    throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
  }
  reg.functions.set(key, { metadata, callback });
  return new Disposable(() => reg.functions.delete(key));
}

function registerHook(hookName, callback) {
  const reg = registry();
  const list = reg.hooks.get(hookName) ?? [];
  list.push(callback);
  reg.hooks.set(hookName, list);
  return new Disposable(() => {
    const i = list.indexOf(callback);
    if (i >= 0) list.splice(i, 1);
  });
}

function setProgrammingModel(programmingModel) {
  registry().programmingModel = programmingModel;
}

function getProgrammingModel() {
  return registry().programmingModel;
}

function log(level, category, message) {
  const sink = registry().logSink;
  if (sink) sink(level, category, message);
  else if (level === 'error' || level === 'critical') console.error(message);
}

module.exports = {
  version: '3.10.1-devhost',
  hostVersion: '4.0.0-devhost',
  Disposable,
  registerFunction,
  registerHook,
  setProgrammingModel,
  getProgrammingModel,
  log,
  REGISTRY_KEY,
};
