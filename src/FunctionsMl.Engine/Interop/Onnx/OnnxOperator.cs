namespace FunctionsMl.Engine.Interop.Onnx;

/// <summary>Compiles one node: checks its inputs and attributes, declares its outputs, returns its kernel (null for nodes that only declare constants).</summary>
internal delegate OnnxKernel? OnnxOperator(NodeContext context);
