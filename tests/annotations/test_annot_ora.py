"""Annotation layers are saved in .ora files (extra zip entry + namespaced attributes) and come back with
the same shapes, ids, colours and image flags; other programs see an ordinary empty layer."""

from __future__ import annotations

import zipfile

from paintgan.commands.annotations import AddAnnotationLayer, AddShapes, SetLabelStyle
from paintgan.commands.stack import CommandStack
from paintgan.core import Document
from paintgan.core.annotations import AnnotationLayer, annotation_layers, make_shape
from paintgan.io.ora import load_ora, save_ora


def test_annotation_layer_roundtrips_through_ora(tmp_path) -> None:
    doc = Document.new(120, 90)
    stack = CommandStack()
    add = AddAnnotationLayer(doc)
    stack.push(add)
    layer = add.layer
    shapes = [make_shape("polygon", [(10, 10), (50, 12), (30, 60)], "chat 🐈", group_id=2, flags={"o": True}),
              make_shape("rectangle", [(60, 10), (100, 40)], "box"),
              make_shape("point", [(5, 80)], "pt"),
              make_shape("linestrip", [(0, 0), (10, 5), (20, 0)], "line", description="edge")]
    stack.push(AddShapes(layer, shapes))
    stack.push(SetLabelStyle(layer, "box", color=(1, 2, 3)))
    layer.flags = {"reviewed": True}
    path = tmp_path / "a.ora"
    save_ora(doc, path)
    with zipfile.ZipFile(path) as z:
        assert any(n.endswith("/annotations.json") for n in z.namelist())
        stack_xml = z.read("stack.xml").decode()
        assert '="annotations"' in stack_xml and 'name="Annotations"' in stack_xml
    back = load_ora(path)
    layers = annotation_layers(back)
    assert len(layers) == 1
    got = layers[0]
    assert isinstance(got, AnnotationLayer) and got.id == layer.id
    assert list(got.shapes) == list(layer.shapes)
    assert [s.id for s in got.shapes] == [s.id for s in layer.shapes]
    assert got.color("box") == (1, 2, 3) and got.flags == {"reviewed": True}
    assert back.composite().tobytes() == doc.composite().tobytes()
