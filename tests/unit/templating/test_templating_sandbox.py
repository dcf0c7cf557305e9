"""Editors' templates cannot escape the sandbox or exhaust the worker: each attempt fails with a clear error."""

from __future__ import annotations

import pytest
from templating_helpers import make_renderer, reminder_sources

from orchestrator.templating import MissingVariable, RenderContext, RenderLimitExceeded, SandboxViolation


def render_sms(text: str, context: RenderContext, **limits: object) -> str:
    return make_renderer(reminder_sources(sms=text), **limits).render("reminder", "sms", "en", context).body


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ first_name.__class__ }}",
        "{{ first_name._secret }}",
        "{{ account['_private'] }}",
        "{{ joiner.__init__.__globals__['os'] }}",
    ],
)
def test_private_and_dunder_attributes_are_a_sandbox_violation(attack: str, context: RenderContext) -> None:
    with pytest.raises(SandboxViolation, match="unsafe"):
        render_sms(attack, context)


def test_a_huge_range_is_refused_as_a_loop_limit(context: RenderContext) -> None:
    with pytest.raises(RenderLimitExceeded, match="Range too big") as caught:
        render_sms("{% for i in range(10**9) %}x{% endfor %}", context)
    assert caught.value.limit == "loop"


def test_nested_loops_stop_at_the_iteration_budget(context: RenderContext) -> None:
    bomb = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    with pytest.raises(RenderLimitExceeded, match="more than 5000 times") as caught:
        render_sms(bomb, context)
    assert caught.value.limit == "loop"


def test_a_slow_template_stops_at_the_time_limit(context: RenderContext) -> None:
    slow = "{% for i in range(100000) %}{{ i }}{% endfor %}"
    with pytest.raises(RenderLimitExceeded) as caught:
        render_sms(slow, context, timeout_ms=1, max_loop_iterations=10**7, max_bytes=10**8)
    assert caught.value.limit == "timeout"


@pytest.mark.parametrize(
    "bomb",
    [
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{% for i in [1] recursive %}{{ loop([i]) }}{% endfor %}",
    ],
)
def test_recursion_bombs_stop_at_the_call_depth(bomb: str, context: RenderContext) -> None:
    with pytest.raises(RenderLimitExceeded, match="nested deeper") as caught:
        render_sms(bomb, context)
    assert caught.value.limit == "recursion"


@pytest.mark.parametrize(
    "bomb",
    [
        "{{ 'x' * 10**9 }}",
        "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
        "{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x + ns.x %}{% endfor %}",
        "{% for i in range(4000) %}{{ 'y' * 100 }}{% endfor %}",
    ],
)
def test_memory_bombs_stop_at_the_size_limit(bomb: str, context: RenderContext) -> None:
    with pytest.raises(RenderLimitExceeded) as caught:
        render_sms(bomb, context)
    assert caught.value.limit == "size"


@pytest.mark.parametrize(
    ("attack", "reason"),
    [
        ("{{ 'x'.ljust(10**9) }}", "ljust"),
        ("{{ '%999999999s' % 'x' }}", "% operator"),
        ("{{ 2 ** 100000000 }}", "powers"),
        ("{{ first_name.format(1) }}", "format"),
    ],
)
def test_amplifying_operations_are_refused(attack: str, reason: str, context: RenderContext) -> None:
    with pytest.raises(SandboxViolation, match=reason):
        render_sms(attack, context)


def test_filters_outside_the_editor_set_do_not_exist(context: RenderContext) -> None:
    from orchestrator.templating import RenderError

    with pytest.raises(RenderError, match="No filter named 'center'"):
        render_sms("{{ first_name|center(1000000000) }}", context)


def test_an_unknown_variable_is_named_in_the_error(context: RenderContext) -> None:
    with pytest.raises(MissingVariable, match="'nope' is undefined") as caught:
        render_sms("{{ nope }}", context)
    assert caught.value.path == "reminder/en/sms.txt"
