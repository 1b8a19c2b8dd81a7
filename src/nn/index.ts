// nn modules are being written.
export {};
