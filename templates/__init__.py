"""The template sources editors touch (Jinja2): a folder per template, per locale and channel.

This is a data package so that the starter pack ships inside the wheel and is found through
``importlib.resources`` in an editable install too, whatever the current directory.
"""

from importlib.resources import files
from importlib.resources.abc import Traversable


def root() -> Traversable:
    """The folder that holds the bundled templates."""
    return files(__name__)
