"""onnx_seeds - the ONNX seed corpus of the fuzzers (OUT/onnx/), written by make_corpus.py.

Small valid models built with Debian's python3-onnx (onnx.helper), covering every operator
shapc runs, the layout paths (NCHW images, convolutions, depthwise, residual adds), shape
subgraphs that fold at load time, a fixed-batch graph and a token-id text model with its
metadata. Each passes onnx.checker; test_regressions checks that shapc loads each one.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(7)


def w(name, *shape, scale=0.5):
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def i64(name, values):
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def model(nodes, inputs, outputs, inits, opset=13, meta=None):
    g = helper.make_graph(nodes, "seed", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    return m.SerializeToString()


def tin(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


def mlp():
    return model([
        helper.make_node("Mul", ["x", "s"], ["xs"]),
        helper.make_node("Flatten", ["xs"], ["f"]),
        helper.make_node("Gemm", ["f", "w1", "b1"], ["h"], transB=1),
        helper.make_node("Relu", ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "w2", "b2"], ["z"], transB=1),
        helper.make_node("Softmax", ["z"], ["p"], axis=1),
    ], [tin("x", ["N", 1, 2, 3])], [tin("p", ["N", 3])],
        [numpy_helper.from_array(np.float32(1 / 255), "s"), w("w1", 4, 6), w("b1", 4),
         w("w2", 3, 4), w("b2", 3)], meta={"shapc.output_names": "a\nb\nc"})


def cnn():
    return model([
        helper.make_node("Conv", ["x", "cw", "cb"], ["c1"], pads=[1, 1, 1, 1],
                         kernel_shape=[3, 3]),
        helper.make_node("BatchNormalization", ["c1", "g", "be", "mu", "va"], ["n1"]),
        helper.make_node("Clip", ["n1", "lo", "hi"], ["r1"]),
        helper.make_node("Conv", ["r1", "dw"], ["c2"], group=4, pads=[1, 1, 1, 1],
                         strides=[1, 1], dilations=[1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["res"]),
        helper.make_node("MaxPool", ["res"], ["mp"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("AveragePool", ["mp"], ["ap"], kernel_shape=[2, 2], pads=[0, 0, 1, 1],
                         count_include_pad=1),
        helper.make_node("LeakyRelu", ["ap"], ["lr"], alpha=0.1),
        helper.make_node("GlobalAveragePool", ["lr"], ["gp"]),
        helper.make_node("Flatten", ["gp"], ["f"]),
        helper.make_node("Gemm", ["f", "hw", "hb"], ["z"], transB=1),
        helper.make_node("Sigmoid", ["z"], ["p"]),
    ], [tin("x", ["N", 2, 6, 6])], [tin("p", ["N", 2])],
        [w("cw", 4, 2, 3, 3), w("cb", 4), w("g", 4), w("be", 4), w("mu", 4),
         numpy_helper.from_array(np.full(4, 0.7, np.float32), "va"),
         numpy_helper.from_array(np.float32(0), "lo"), numpy_helper.from_array(np.float32(6), "hi"),
         w("dw", 4, 1, 3, 3), w("hw", 2, 4), w("hb", 2)])


def shapes():
    return model([
        helper.make_node("Shape", ["x"], ["shp"]),
        helper.make_node("Gather", ["shp", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "ax0"], ["nu"]),
        helper.make_node("Concat", ["nu", "m1"], ["t"], axis=0),
        helper.make_node("Reshape", ["x", "t"], ["f"]),
        helper.make_node("Transpose", ["f"], ["ft"], perm=[0, 1]),
        helper.make_node("MatMul", ["ft", "w"], ["y"]),
        helper.make_node("Cast", ["y"], ["yc"], to=TensorProto.FLOAT),
        helper.make_node("Tanh", ["yc"], ["p"]),
    ], [tin("x", ["N", 2, 3])], [tin("p", ["N", 2])],
        [i64("zero", 0), i64("ax0", [0]), i64("m1", [-1]), w("w", 6, 2)])


def fixed():
    return model([
        helper.make_node("Reshape", ["x", "t"], ["f"]),
        helper.make_node("Gemm", ["f", "w", "b"], ["y"]),
        helper.make_node("Dropout", ["y"], ["p"]),
    ], [tin("x", [1, 2, 3])], [tin("p", [1, 2])], [i64("t", [1, 6]), w("w", 6, 2), w("b", 2)])


def text():
    L, V, E = 4, 6, 4
    return model([
        helper.make_node("Gather", ["emb", "ids"], ["e"], axis=0),
        helper.make_node("Add", ["e", "pos"], ["h"]),
        helper.make_node("LayerNormalization", ["h", "lg", "lb"], ["n"], axis=-1),
        helper.make_node("MatMul", ["n", "wq"], ["q"]),
        helper.make_node("Transpose", ["n"], ["nt"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "nt"], ["sc"]),
        helper.make_node("Div", ["sc", "sq"], ["scs"]),
        helper.make_node("Softmax", ["scs"], ["at"], axis=-1),
        helper.make_node("MatMul", ["at", "n"], ["ctx"]),
        helper.make_node("Pow", ["ctx", "two"], ["c2"]),
        helper.make_node("Sqrt", ["c2"], ["c3"]),
        helper.make_node("Erf", ["c3"], ["c4"]),
        helper.make_node("Sub", ["c4", "ctx"], ["c5"]),
        helper.make_node("ReduceMean", ["c5"], ["pool"], axes=[1], keepdims=1),
        helper.make_node("Squeeze", ["pool", "ax1"], ["ps"]),
        helper.make_node("Unsqueeze", ["ps", "ax1"], ["pu"]),
        helper.make_node("Flatten", ["pu"], ["pf"]),
        helper.make_node("Gemm", ["pf", "ow", "ob"], ["z"], transB=1),
        helper.make_node("Softmax", ["z"], ["p"], axis=-1),
    ], [tin("ids", ["N", L], TensorProto.INT64)], [tin("p", ["N", 2])],
        [w("emb", V, E), w("pos", L, E), w("lg", E), w("lb", E), w("wq", E, E),
         numpy_helper.from_array(np.float32(2.0), "sq"), numpy_helper.from_array(np.float32(2.0), "two"),
         i64("ax1", [1]), w("ow", 2, E), w("ob", 2)], opset=17,
        meta={"shapc.vocab": "<pad>\n<unk>\n<mask>\ngood\nbad\nfilm",
              "shapc.pad_id": "0", "shapc.unk_id": "1", "shapc.mask_id": "2",
              "shapc.output_names": "neg\npos"})


def write(out):
    out("onnx", "mlp.onnx", mlp())
    out("onnx", "cnn.onnx", cnn())
    out("onnx", "shapes.onnx", shapes())
    out("onnx", "fixed_batch.onnx", fixed())
    out("onnx", "text.onnx", text())
