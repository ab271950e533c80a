"""ember.profiler (torch.profiler): CPU op timing with torch's API and table layout.

While a ``profile`` records, every ember op (each ``Function.apply`` of an op: one hook, see
ember/amp/_dispatch.py) and every ``record_function`` range is timed with ``perf_counter_ns``;
ranges nest, so "Self CPU" is an event's time minus its children's, as torch reports it.
``key_averages().table(sort_by=..., row_limit=...)`` prints torch's table (columns, widths,
time formats). Op names are torch's ``aten::`` names derived from the op's autograd node name
(``AddBackward0`` -> ``aten::add``; ``nn.Linear`` / ``F.linear`` -> ``aten::linear``), else the
op's Function class name. What is measured is ember's Python/NumPy time, not ATen's; ops that
torch decomposes into several ATen calls (``linear`` -> ``t`` + ``addmm``) are one event here.
``profile_memory=True`` reports the bytes of each op's outputs as its allocated memory
(intermediate arrays NumPy frees inside the op are not seen). CUDA activity without a GPU is
dropped with a warning; there is no device timing (the device columns do not appear).
"""

import enum
import functools
import json
import os
import re
import time
import warnings

from ember.amp import _dispatch
from ember._tensor import Tensor

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler", "supported_activities"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5

    def __repr__(self):
        return f"<ProfilerActivity.{self.name}: {self.value}>"

    def __str__(self):
        return f"ProfilerActivity.{self.name}"


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities():
    from ember import cuda

    acts = {ProfilerActivity.CPU}
    if cuda.is_available():
        acts.add(ProfilerActivity.CUDA)
    return acts


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: the action for each step number."""

    def schedule_fn(step):
        assert step >= 0
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else \
            ProfilerAction.RECORD_AND_SAVE

    assert wait >= 0 and warmup >= 0 and active > 0 and repeat >= 0 and skip_first >= 0, \
        "Invalid profiler schedule arguments"
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_):
    return ProfilerAction.RECORD


# ---------------------------------------------------------------- events
class FunctionEvent:
    """One timed range (an op call or a record_function block)."""

    __slots__ = ("id", "name", "start_us", "end_us", "input_shapes", "cpu_children",
                 "cpu_parent", "cpu_memory_usage", "is_user_annotation")

    def __init__(self, id, name, start_us, input_shapes, parent, user=False):
        self.id = id
        self.name = name
        self.start_us = start_us
        self.end_us = start_us
        self.input_shapes = input_shapes
        self.cpu_children = []
        self.cpu_parent = parent
        self.cpu_memory_usage = 0
        self.is_user_annotation = user

    @property
    def key(self):
        return self.name

    @property
    def count(self):
        return 1

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    device_time_total = self_device_time_total = 0

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"start_us={self.start_us:.3f} end_us={self.end_us:.3f} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """Events of one key (name, and input shapes when grouped so) added up."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes = None
        self.cpu_parent = None
        self.device_time_total = 0
        self.self_device_time_total = 0

    def add(self, evt):
        if self.key is None:
            self.key = evt.key
            self.input_shapes = evt.input_shapes
            self.cpu_parent = evt.cpu_parent
        self.count += evt.count
        self.cpu_time_total += evt.cpu_time_total
        self.self_cpu_time_total += evt.self_cpu_time_total
        self.cpu_memory_usage += evt.cpu_memory_usage
        self.self_cpu_memory_usage += evt.self_cpu_memory_usage
        return self

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events with torch's key_averages() and table()."""

    def __init__(self, *args, profile_memory=False, **kwargs):
        super().__init__(*args)
        self._profile_memory = profile_memory

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        stats = {}
        for evt in self:
            key = (evt.key, str(evt.input_shapes)) if group_by_input_shape else evt.key
            stats.setdefault(key, FunctionEventAvg()).add(evt)
        out = EventList(stats.values(), profile_memory=self._profile_memory)
        if not group_by_input_shape:
            for evt in out:
                evt.input_shapes = ""
        return out

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def total_average(self):
        total = FunctionEventAvg()
        for evt in self:
            total.add(evt)
        total.key = "Total"
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False, time_unit=None):
        return _build_table(self, sort_by=sort_by, row_limit=row_limit, header=header,
                            max_name_column_width=max_name_column_width,
                            max_shapes_column_width=max_shapes_column_width,
                            profile_memory=self._profile_memory,
                            top_level_events_only=top_level_events_only, time_unit=time_unit)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        trace = [{"name": e.name, "ph": "X", "ts": e.start_us, "dur": e.cpu_time_total,
                  "pid": os.getpid(), "tid": 0, "cat": "cpu_op" if not e.is_user_annotation
                  else "user_annotation", "args": {"Input Dims": e.input_shapes}}
                 for e in self]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)


def _format_time(time_us, unit=None):
    if unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if unit == "us":
        return f"{time_us:.3f}us"
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


def _format_memory(nbytes):
    KB, MB, GB = 1024, 1024 * 1024, 1024 * 1024 * 1024
    if abs(nbytes) >= GB:
        return f"{nbytes * 1.0 / GB:.2f} Gb"
    if abs(nbytes) >= MB:
        return f"{nbytes * 1.0 / MB:.2f} Mb"
    if abs(nbytes) >= KB:
        return f"{nbytes * 1.0 / KB:.2f} Kb"
    return str(nbytes) + " b"


def _build_table(events, sort_by=None, row_limit=100, header=None, max_name_column_width=55,
                 max_shapes_column_width=80, profile_memory=False, top_level_events_only=False,
                 time_unit=None):
    """torch.autograd.profiler_util._build_table for CPU events."""
    if len(events) == 0:
        return ""
    if sort_by is not None:
        attr = sort_by.replace("cuda", "device").replace("xpu", "device").replace(
            "privateuse1", "device")
        events = sorted(events, key=lambda evt: getattr(evt, attr), reverse=True)
    has_input_shapes = any(evt.input_shapes is not None and len(evt.input_shapes) > 0
                           for evt in events)
    name_column_width = max(len(evt.key) for evt in events) + 4
    if max_name_column_width is not None:
        name_column_width = min(name_column_width, max_name_column_width)
    shapes_column_width = max(len(str(evt.input_shapes)) for evt in events) + 4
    if max_shapes_column_width is not None:
        shapes_column_width = min(shapes_column_width, max_shapes_column_width)
    width = 12
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    spacing = 2
    row_format = ""
    header_sep = ""
    line_length = -spacing

    def add_column(padding):
        nonlocal row_format, header_sep, line_length
        row_format += "{: >" + str(padding) + "}" + " " * spacing
        header_sep += "-" * padding + " " * spacing
        line_length += padding + spacing

    add_column(name_column_width)
    for _ in headers[1:]:
        add_column(width)
    if has_input_shapes:
        headers.append("Input Shapes")
        add_column(shapes_column_width)
    result = []

    def append(s):
        result.append(s)
        result.append("\n")

    total = sum(evt.self_cpu_time_total for evt in events)
    if header is not None:
        append("=" * line_length)
        append(header)
    if top_level_events_only:
        append("=" * line_length)
        append("This report only display top-level operations statistics")
    append(header_sep)
    append(row_format.format(*headers))
    append(header_sep)
    limit = 0
    for evt in events:
        if limit == row_limit:
            break
        if top_level_events_only and evt.cpu_parent is not None:
            continue
        limit += 1
        name = evt.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _format_time_share(evt.self_cpu_time_total, total),
               _format_time(evt.self_cpu_time_total, time_unit),
               _format_time_share(evt.cpu_time_total, total),
               _format_time(evt.cpu_time_total, time_unit),
               _format_time(evt.cpu_time_total / max(evt.count, 1), time_unit)]
        if profile_memory:
            row += [_format_memory(evt.cpu_memory_usage),
                    _format_memory(evt.self_cpu_memory_usage)]
        row.append(evt.count)
        if has_input_shapes:
            row.append(str(evt.input_shapes)[:shapes_column_width])
        append(row_format.format(*row))
    append(header_sep)
    append(f"Self CPU time total: {_format_time(total, time_unit)}")
    return "".join(result)


# ---------------------------------------------------------------- recording
_NAMES = {}
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _op_name(cls):
    name = _NAMES.get(cls)
    if name is None:
        if cls.__name__ == "Linear" and cls.__module__.endswith("nn_ops"):
            name = "aten::linear"
        else:
            node = getattr(cls, "node_name", None) or ""
            base = re.sub(r"Backward\d*$", "", node)
            if base:
                name = "aten::" + _SNAKE.sub("_", base).lower()
            else:
                name = "ember::" + cls.__name__
        _NAMES[cls] = name
    return name


_active = None  # the recording profile


def _shape_of(a):
    if isinstance(a, Tensor):
        return list(a.shape)
    return []


def _op_hook(cls, args, apply_op):
    prof = _active
    shapes = [_shape_of(a) for a in args] if prof.record_shapes else []
    evt = prof._open(_op_name(cls), shapes)
    try:
        out = apply_op(cls, args)
    finally:
        prof._close(evt)
    if prof.profile_memory:
        outs = out if isinstance(out, tuple) else (out,)
        evt.cpu_memory_usage += sum(o._data.nbytes for o in outs if isinstance(o, Tensor))
    return out


class record_function:  # noqa: N801
    """A named range in the profile (context manager or decorator); a no-op when not profiling."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._evt = None

    def __enter__(self):
        if _active is not None:
            self._evt = _active._open(self.name, [], user=True)
        return self

    def __exit__(self, *exc):
        if self._evt is not None and _active is not None:
            _active._close(self._evt)
        self._evt = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper


class profile:  # noqa: N801
    """torch.profiler.profile: records ember ops and record_function ranges on the CPU."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, use_cuda=None, custom_trace_id_callback=None):
        acts = set(activities) if activities else supported_activities()
        if use_cuda:
            acts.add(ProfilerActivity.CUDA)
        supported = supported_activities()
        for a in sorted(acts - supported, key=lambda a: a.value):
            warnings.warn(f"Profiling {a.name} is not supported by ember on this machine; "
                          "recording CPU activity only", stacklevel=2)
        self.activities = acts & supported
        self.schedule = schedule if schedule is not None else _default_schedule_fn
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._events = []
        self._stack = []
        self._saved = None
        self._ids = 0
        self._t0 = None

    # recording primitives
    def _now(self):
        return time.perf_counter_ns() / 1000.0 - self._t0

    def _open(self, name, shapes, user=False):
        parent = self._stack[-1] if self._stack else None
        self._ids += 1
        evt = FunctionEvent(self._ids, name, self._now(), shapes, parent, user)
        if parent is not None:
            parent.cpu_children.append(evt)
        self._events.append(evt)
        self._stack.append(evt)
        return evt

    def _close(self, evt):
        evt.end_us = self._now()
        while self._stack:
            if self._stack.pop() is evt:
                break

    def _start_trace(self):
        global _active
        if self._t0 is None:
            self._t0 = time.perf_counter_ns() / 1000.0
        if not self.acc_events:
            self._events = []
        self._stack = []
        _active = self
        if ProfilerActivity.CPU in self.activities:
            _dispatch.set_hook("profiler", _op_hook)

    def _stop_trace(self):
        global _active
        if _active is self:
            _active = None
            _dispatch.set_hook("profiler", None)
        now = self._now()
        for evt in self._stack:
            evt.end_us = now
        self._stack = []
        self._saved = EventList(self._events, profile_memory=self.profile_memory)

    def _recording(self, action):
        return action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def start(self):
        if self._recording(self.current_action) or self.current_action is ProfilerAction.WARMUP:
            self._start_trace()
        if self.record_steps:
            self._step_evt = self._open(f"ProfilerStep#{self.step_num}", [], user=True) \
                if _active is self else None

    def stop(self):
        if self.record_steps and getattr(self, "_step_evt", None) is not None and _active is self:
            self._close(self._step_evt)
        if _active is self:
            self._stop_trace()
            if self.on_trace_ready is not None and self._recording(self.current_action):
                self.on_trace_ready(self)

    def step(self):
        if self.record_steps and getattr(self, "_step_evt", None) is not None and _active is self:
            self._close(self._step_evt)
            self._step_evt = None
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if prev is ProfilerAction.RECORD_AND_SAVE:
            self._stop_trace()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
        elif self._recording(prev) and not self._recording(self.current_action):
            self._stop_trace()
        if prev is ProfilerAction.WARMUP and self._recording(self.current_action):
            self._events = []  # warm-up events are not kept
            self._stack = []
        recording_now = self._recording(self.current_action) or \
            self.current_action is ProfilerAction.WARMUP
        if recording_now and _active is not self:
            self._start_trace()
        elif not recording_now and _active is self:
            self._stop_trace()
        if self.record_steps and _active is self:
            self._step_evt = self._open(f"ProfilerStep#{self.step_num}", [], user=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # results
    def events(self):
        if self._saved is None:
            raise AssertionError("No events recorded (the profile has not stopped)")
        return self._saved

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        self.events().export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        raise RuntimeError("ember's profiler does not record stacks (with_stack)")


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An on_trace_ready handler writing a Chrome trace JSON per trace into ``dir_name``."""
    import socket

    def handler_fn(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{name}.{time.time_ns() // 1000000}.pt.trace.json"
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn
