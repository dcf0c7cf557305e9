"""The Jinja2 sandbox editors' templates run in, and the guards that bound one render.

On top of ``ImmutableSandboxedEnvironment`` (no private attributes, no mutation of data):
- every ``for`` loop is wrapped (an AST rewrite) so each iteration counts against a budget and a deadline;
- every call counts its nesting depth, so recursive macros stop early with a clear error;
- string-growing operations (``*``, ``**``, ``~``, ``+``, ``%``, string methods, filters) are checked so a
  single expression cannot allocate more than the output limit;
- containers (list, tuple and dict literals, filter and call results, namespaces) are measured deeply — every
  element and every character counts, shared references as often as they occur — so a value built by nesting
  a list in itself cannot become exponentially large before it is printed or stringified;
- only text, numbers and dates can be printed: ``{{ some_list }}`` is refused (use ``|join``);
- only the filters and string methods editors need are available.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.filters import do_join
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

from orchestrator.templating.errors import RenderLimitExceeded
from orchestrator.templating.model import RenderLimits

LOOP_GUARD = "parley_loop_guard"
SIZE_GUARD = "parley_size_guard"
_SAFE_STR_METHODS = frozenset(
    {"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith", "endswith", "split"}
)
_SAFE_MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
_BUILTIN_FILTERS = frozenset(
    {"abs", "capitalize", "count", "d", "default", "e", "escape", "first", "float", "int", "join", "last"}
    | {"length", "list", "lower", "max", "min", "round", "sort", "string", "striptags", "sum", "title", "trim"}
    | {"truncate", "upper"}
)
MAX_NESTING = 32
_CONTAINERS = (list, tuple, set, frozenset, Mapping, Namespace)


@dataclass
class RenderState:
    """The budget and facts of the render in progress (one per render, held in a context variable)."""

    limits: RenderLimits
    locale: str
    currency: str
    now: datetime
    payment_link: Callable[[str], str] | None
    deadline: float = 0.0
    iterations: int = 0
    depth: int = 0
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.deadline = time.perf_counter() + self.limits.timeout_ms / 1000

    def check_time(self) -> None:
        if time.perf_counter() > self.deadline:
            raise RenderLimitExceeded("timeout", f"the template took longer than {self.limits.timeout_ms} ms")

    def check_size(self, value: Any) -> Any:
        """``value`` unchanged, unless it (with everything it contains) is larger than the output limit."""
        if isinstance(value, str):
            if len(value) > self.limits.max_bytes:
                raise RenderLimitExceeded("size", f"a value grew past {self.limits.max_bytes} characters")
        elif isinstance(value, _CONTAINERS) and deep_size(value, self.limits.max_bytes) > self.limits.max_bytes:
            raise RenderLimitExceeded(
                "size", f"a list or mapping grew past {self.limits.max_bytes} elements and characters"
            )
        return value


CURRENT: ContextVar[RenderState] = ContextVar("parley_render_state")


def current_state() -> RenderState:
    """The state of the render in progress (filters use it for locale, currency and links)."""
    return CURRENT.get()


def _loop_guard(iterable: Iterable[Any]) -> Iterator[Any]:
    state = CURRENT.get()
    for item in iterable:
        state.iterations += 1
        if state.iterations > state.limits.max_loop_iterations:
            raise RenderLimitExceeded(
                "loop", f"loops ran more than {state.limits.max_loop_iterations} times in one message"
            )
        state.check_time()
        yield item


def _size_guard(value: Any) -> Any:
    return CURRENT.get().check_size(value)


def deep_size(value: Any, limit: int) -> int:
    """How big ``value`` is once stringified, roughly: one per element, one per character of text.

    Shared references count every time they occur (that is what ``str()`` would write), but each container
    is walked once (memoized), so measuring a self-doubling list is cheap. Stops early above ``limit``;
    nesting deeper than ``MAX_NESTING`` is refused outright.
    """
    sizes: dict[int, int] = {}

    def measure(item: Any, depth: int) -> int:
        if isinstance(item, str):
            return len(item) + 1
        if not isinstance(item, _CONTAINERS):
            return 1
        key = id(item)
        if key in sizes:
            return sizes[key]
        if depth > MAX_NESTING:
            raise RenderLimitExceeded("size", f"lists or mappings nested deeper than {MAX_NESTING} levels")
        sizes[key] = 1  # a container inside itself is written as [...] by str()
        if isinstance(item, Namespace):
            children: Iterable[Any] = _namespace_values(item)
        elif isinstance(item, Mapping):
            children = (part for pair in item.items() for part in pair)
        else:
            children = item
        total = 1
        for child in children:
            total += measure(child, depth + 1)
            if total > limit:
                break
        sizes[key] = total
        return total

    return measure(value, 0)


def _namespace_values(namespace: Namespace) -> Iterable[Any]:
    attributes: dict[str, Any] = object.__getattribute__(namespace, "_Namespace__attrs")
    return list(attributes.values())


def refuse_containers(value: Any) -> Any:
    """The ``finalize`` of the environments: only text, numbers, dates and the like may be printed."""
    if isinstance(value, _CONTAINERS):
        kind = "namespace" if isinstance(value, Namespace) else type(value).__name__
        raise SecurityError(f"a {kind} cannot be printed in a message; print its items (e.g. with |join(', ')) instead")
    return value


@pass_eval_context
def _guarded_join(eval_ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> str:
    """``join``, refusing a separator that would multiply the output past the limit before it is built."""
    state = CURRENT.get()
    items = list(value) if not isinstance(value, str) else value
    state.check_size(items)
    if isinstance(d, str) and len(d) * max(len(items) - 1, 0) > state.limits.max_bytes:
        raise RenderLimitExceeded("size", f"the joined text would grow past {state.limits.max_bytes} characters")
    joined: str = do_join(eval_ctx, items, d, attribute)
    return joined


class ParleySandbox(ImmutableSandboxedEnvironment):
    """The sandboxed environment with Parley's guards."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=autoescape,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
            finalize=refuse_containers,
        )
        allowed = {name: self.filters[name] for name in _BUILTIN_FILTERS}
        self.filters.clear()
        self.filters.update(allowed)
        self.filters["join"] = _guarded_join
        self.filters[LOOP_GUARD] = _loop_guard
        self.filters[SIZE_GUARD] = _size_guard
        for name in ("lipsum", "dict"):
            self.globals.pop(name, None)

    def guard(self, template: nodes.Template) -> nodes.Template:
        """Rewrite a parsed template so loops, filters and concatenations run through the guards."""
        guarded: nodes.Template = _Guards().visit(template)
        return guarded

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute.startswith("_") or (isinstance(obj, str) and attribute in ("format", "format_map")):
            return self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str) and argument.startswith("_"):
            return self.unsafe_undefined(obj, argument)
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        state = CURRENT.get()
        if operator == "**":
            if not isinstance(right, int | float) or abs(right) > 64 or abs(_as_number(left)) > 1e12:
                raise SecurityError("powers are limited to small numbers in templates")
            return left**right
        if operator == "%":
            if isinstance(left, str):
                raise SecurityError("the % operator cannot format text in templates; use {{ }} instead")
            return left % right
        if operator == "*":
            sequence, count = (left, right) if isinstance(right, int) else (right, left)
            growing = isinstance(sequence, str | list | tuple) and isinstance(count, int)
            if growing and len(sequence) * count > state.limits.max_bytes:
                raise RenderLimitExceeded("size", f"a value would grow past {state.limits.max_bytes} characters")
            return state.check_size(left * right)
        return state.check_size(left + right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name not in _SAFE_STR_METHODS:
            raise SecurityError(f"the text method {name!r} is not available in templates")
        if isinstance(owner, dict) and name not in _SAFE_MAPPING_METHODS:
            raise SecurityError(f"the method {name!r} is not available in templates")
        state = CURRENT.get()
        state.check_time()
        state.depth += 1
        try:
            if state.depth > state.limits.max_call_depth:
                raise RenderLimitExceeded(
                    "recursion", f"calls nested deeper than {state.limits.max_call_depth} (a macro calling itself?)"
                )
            return state.check_size(super().call(__context, __obj, *args, **kwargs))
        finally:
            state.depth -= 1


class _Guards(NodeTransformer):
    """Wraps loop iterables in the loop guard and string-producing expressions in the size guard."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, LOOP_GUARD, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _size_guarded(node)

    def visit_Filter(self, node: nodes.Filter) -> nodes.Node:
        self.generic_visit(node)
        if node.node is None:  # the filter of a {% filter %} block: output is checked as it streams
            return node
        return _size_guarded(node)

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return _size_guarded(node)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        return _size_guarded(node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        if node.ctx != "load":  # an assignment target ({% for a, b in … %}, {% set a, b = … %})
            return node
        return _size_guarded(node)


def _size_guarded(node: nodes.Expr) -> nodes.Filter:
    """``node`` passed through the size guard (its value is checked where it is made)."""
    return nodes.Filter(node, SIZE_GUARD, [], [], None, None, lineno=node.lineno)


def _as_number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
