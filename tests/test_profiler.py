"""ember.profiler against torch.profiler (CPU): events, names, nesting and the table layout."""

import json
import re

import torch
import torch.profiler as tprof

import ember
import ember.profiler as eprof
from ember.autograd import function as _function


def _program(m, prof_mod, **kw):
    x = m.ones(4, 3)
    y = m.full((4, 3), 2.0)
    with prof_mod.profile(activities=[prof_mod.ProfilerActivity.CPU], **kw) as p:
        with prof_mod.record_function("block"):
            z = x + y
            z = z * y
            z = m.exp(z)
    return p


_NUM = re.compile(r"\d+(\.\d+)?(%|us|ms|s| b| Kb)?")


def _masked(table):
    # times differ; keep the layout: column widths, names, call counts at fixed positions
    return [_NUM.sub(lambda mt: "#" * len(mt.group(0)), ln) for ln in table.splitlines()]


def test_table_layout_matches_torch():
    for kw, args in [({}, {}), ({"record_shapes": True}, {"group_by_input_shape": True}),
                     ({"profile_memory": True}, {})]:
        t = _program(torch, tprof, **kw).key_averages(**args)
        e = _program(ember, eprof, **kw).key_averages(**args)
        assert sorted(ev.key for ev in e) == sorted(ev.key for ev in t)
        assert {ev.key: ev.count for ev in e} == {ev.key: ev.count for ev in t}
        # same row order when sorted by a count (ties keep first-seen order in both)
        tt = t.table(sort_by="count", row_limit=10)
        et = e.table(sort_by="count", row_limit=10)
        tl, el = tt.splitlines(), et.splitlines()
        assert len(tl) == len(el)
        assert tl[0] == el[0] and tl[1] == el[1] and tl[2] == el[2]  # separator and headers
        assert tl[-2] == el[-2]
        assert el[-1].startswith("Self CPU time total: ")
        for a, b in zip(tl[3:-2], el[3:-2]):
            assert len(a) == len(b)
            assert a.split()[0] == b.split()[0]  # the name column
        if "record_shapes" in kw:
            shapes = lambda s: [ln[-30:].strip() for ln in s.splitlines()[3:-2]]  # noqa: E731
            assert shapes(et) == shapes(tt)


def test_nesting_self_time_and_row_limit():
    p = _program(ember, eprof)
    evs = p.events()
    block = [ev for ev in evs if ev.name == "block"][0]
    assert [c.name for c in block.cpu_children] == ["aten::add", "aten::mul", "aten::exp"]
    assert abs(block.self_cpu_time_total + sum(c.cpu_time_total for c in block.cpu_children)
               - block.cpu_time_total) < 1e-6
    ka = p.key_averages()
    total = sum(ev.self_cpu_time_total for ev in ka)
    assert f"Self CPU time total: " in ka.table()
    assert len(ka.table(sort_by="self_cpu_time_total", row_limit=2).splitlines()) == 3 + 2 + 2
    assert total > 0
    assert _function._dispatch_hook is None  # the hot path is untouched after profiling


def test_record_function_noop_and_decorator_and_linear_name(tmp_path):
    with eprof.record_function("outside"):
        pass

    @eprof.record_function("fwd")
    def f(lin, x):
        return lin(x)

    lin = ember.nn.Linear(3, 2)
    with eprof.profile(activities=[eprof.ProfilerActivity.CPU]) as p:
        f(lin, ember.ones(1, 3))
        ember.matmul(ember.ones(2, 2), ember.ones(2, 2))
    names = [ev.name for ev in p.events()]
    assert names[:2] == ["fwd", "aten::linear"] and "outside" not in names
    p.export_chrome_trace(str(tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text())["traceEvents"][0]["name"] == "fwd"


def test_schedule_like_torch():
    ts = tprof.schedule(wait=1, warmup=1, active=2, repeat=1)
    es = eprof.schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [es(i).name for i in range(8)] == [ts(i).name for i in range(8)]
    seen = []
    with eprof.profile(activities=[eprof.ProfilerActivity.CPU], schedule=es,
                       on_trace_ready=lambda p: seen.append(
                           sorted({ev.name for ev in p.events()}))) as p:
        for _ in range(6):
            ember.ones(2) + 1
            p.step()
    assert seen == [["ProfilerStep#2", "ProfilerStep#3", "aten::add"]]
    assert _function._dispatch_hook is None
