"""onnx_meta - writes shapc's metadata keys into an exported ONNX file (docs/onnx.md).

torch.onnx.export has no way to set ModelProto.metadata_props, so the export scripts of this
directory add them afterwards with the onnx package (Debian's python3-onnx), then check the
file with onnx.checker.
"""
import onnx


def add_metadata(path, entries):
    """entries: dict of key -> str, e.g. {"shapc.output_names": "\\n".join(names)}."""
    model = onnx.load(path)
    for key, value in entries.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, path)
