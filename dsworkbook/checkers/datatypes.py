"""Sequential specifications: what each operation does to an object when operations run one at a time.

Theory of operation
-------------------
A consistency checker asks whether some *order* of a history's operations is legal for the
object. "Legal" comes from a sequential specification - a state machine with an initial state
and a step per operation (Herlihy & Wing 1990, §3; Knossos and Porcupine call it a *model*).
A :class:`Model` here has:

* :meth:`Model.init` - the initial state (hashable: the searches memoise on it);
* :meth:`Model.step` - the state after ``op``, or :data:`ILLEGAL` when ``op``'s recorded output
  is impossible in that state. For an operation whose outcome is ``unknown`` only the effect
  counts: its output was never seen;
* :meth:`Model.compile` - the same step as a one-argument function of the state, built once per
  operation, because the searches call it in their innermost loop;
* :meth:`Model.partition` - for a key-value model, the key: operations on different keys never
  interact, so linearizability can be checked key by key (Herlihy & Wing's locality theorem,
  "P-compositionality" in Horn & Kroening 2015). ``None`` for a single object.

The models: :class:`RegisterModel` (read/write), :class:`CasRegisterModel` (plus
compare-and-set), :class:`KVModel` (get/put/append/cas per key), :class:`SetModel`
(add/remove/read) and :class:`CounterModel` (incr/decr/add/read). Function names have short
aliases (``r``/``get`` for read, ``w``/``put`` for write).

The initial value is part of the specification, and tools disagree on it. Jepsen's and
Knossos's register and cas-register histories read a register nobody wrote as ``nil`` (None),
the default here. The key-value histories of MIT 6.824/6.5840 (Get/Put/Append), and Porcupine's
kv model that checks them, read a missing key as the empty string, and ``append`` concatenates
onto it: check those with ``initial=""`` (``KVModel(initial="")``,
``resolve_model("kv", initial="")``, or ``--initial ''`` on the command line). With the wrong
initial value a correct history fails at its first read of a missing key.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable

from dsworkbook.checkers.history import READ_FS, WRITE_FS, Operation, freeze
from dsworkbook.errors import ConfigError

__all__ = ["Model", "RegisterModel", "CasRegisterModel", "KVModel", "SetModel", "CounterModel", "ILLEGAL",
           "MODELS", "resolve_model", "JointModel", "MODEL_DEFAULT"]


class _Illegal:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ILLEGAL"


#: What a step returns when the operation's recorded output is impossible in the given state.
ILLEGAL: Any = _Illegal()


class _ModelDefault:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MODEL_DEFAULT"


#: ``initial=`` left out: the model's own initial value (nil for registers and kv, 0 for a counter).
MODEL_DEFAULT: Any = _ModelDefault()


def _hashable_initial(initial: Any, model: str) -> Hashable:
    """``initial`` as a model state (lists become tuples, ...), or a ConfigError saying why it cannot be one."""
    value = freeze(initial)
    try:
        hash(value)
    except TypeError:
        raise ConfigError(f"initial for the {model} model must be a value a read can return (a number, a string, "
                          f"None, ...), got the unhashable {type(initial).__name__} {initial!r}") from None
    return value

Step = Callable[[Any], Any]


class Model:
    """A sequential specification (see the module docstring). Subclasses define the steps."""

    name = "model"
    #: The function names this model understands.
    functions: frozenset[str] = frozenset()
    #: Whether an operation's key selects an independent object (so a history splits per key).
    partitioned = False

    def init(self) -> Hashable:
        raise NotImplementedError

    def step(self, state: Any, op: Operation) -> Any:
        """The state after ``op`` (ok or unknown outcome), or :data:`ILLEGAL`."""
        raise NotImplementedError

    def compile(self, op: Operation) -> Step:
        """``step`` for this one operation, as a function of the state (fast in the search loop)."""
        step = self.step
        return lambda state: step(state, op)

    def is_read_only(self, op: Operation) -> bool:
        """True when ``op`` never changes the state: an unknown-outcome read can then be dropped."""
        return op.f in READ_FS

    def partition(self, op: Operation) -> Hashable:
        return op.key if self.partitioned else None

    def check_op(self, op: Operation) -> None:
        """Raise a ConfigError naming the operation when this model cannot run it."""
        if op.f not in self.functions:
            raise ConfigError(f"op #{op.index} ({op.label()}): the {self.name} model has no function {op.f!r}; "
                              f"it knows {sorted(self.functions)}")
        if not self.partitioned and op.key is not None:
            raise ConfigError(f"op #{op.index} ({op.label()}) names key {op.key!r}, but the {self.name} model is one "
                              "object; use model='kv' for key-value histories")

    def describe(self, state: Any) -> str:
        return "nil" if state is None else repr(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # register-like models: hooks for the fast path and for closing sub-histories
    def register_like(self) -> bool:
        """True when plain reads and writes follow register semantics (the zones fast path applies)."""
        return False

    def observes(self, op: Operation) -> tuple[bool, Any]:
        """(True, v) when ``op`` only makes sense if some earlier operation produced value ``v``."""
        return False, None

    def produces(self, op: Operation) -> tuple[bool, Any]:
        """(True, v) when ``op`` sets the value to ``v``."""
        return False, None

    def depends(self, observer: Operation, op: Operation) -> bool:
        """True when the value ``observer`` saw is built from ``op``'s effect (an append's item in it).

        Shrinking a counterexample drops ``observer`` with ``op``, so that no read is left with a
        value nothing in the sub-history could have built.
        """
        return False


class RegisterModel(Model):
    """A read/write register holding ``initial`` at first (Herlihy & Wing's basic object)."""

    name = "register"
    functions = READ_FS | WRITE_FS

    def __init__(self, initial: Hashable = None) -> None:
        self.initial = _hashable_initial(initial, self.name)

    def init(self) -> Hashable:
        return self.initial

    def step(self, state: Any, op: Operation) -> Any:
        if op.f in READ_FS:
            return state if op.outcome != "ok" or op.output == state else ILLEGAL
        return op.input

    def compile(self, op: Operation) -> Step:
        if op.f in WRITE_FS:
            value = op.input
            return lambda state: value
        if op.outcome != "ok":
            return lambda state: state
        seen = op.output
        return lambda state: state if state == seen else ILLEGAL

    def register_like(self) -> bool:
        return True

    def observes(self, op: Operation) -> tuple[bool, Any]:
        return (True, op.output) if op.f in READ_FS and op.outcome == "ok" else (False, None)

    def produces(self, op: Operation) -> tuple[bool, Any]:
        return (True, op.input) if op.f in WRITE_FS else (False, None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(initial={self.initial!r})"


class CasRegisterModel(RegisterModel):
    """A register with compare-and-set: ``cas`` with input ``(expected, new)``.

    An ok cas succeeded (the value was ``expected`` and became ``new``), unless its output is
    ``False``: then it happened but found another value. A failed cas (outcome ``fail``) did
    not happen at all, as in Jepsen.
    """

    name = "cas-register"
    functions = READ_FS | WRITE_FS | {"cas"}

    def check_op(self, op: Operation) -> None:
        super().check_op(op)
        if op.f == "cas" and not (isinstance(op.input, tuple) and len(op.input) == 2):
            raise ConfigError(f"op #{op.index}: a cas takes (expected, new), got {op.input!r}")

    def step(self, state: Any, op: Operation) -> Any:
        if op.f != "cas":
            return super().step(state, op)
        expected, new = op.input
        if op.outcome != "ok":
            return new if state == expected else state
        if op.output is False:
            return state if state != expected else ILLEGAL
        return new if state == expected else ILLEGAL

    def compile(self, op: Operation) -> Step:
        if op.f != "cas":
            return super().compile(op)
        expected, new = op.input
        if op.outcome != "ok":
            return lambda state: new if state == expected else state
        if op.output is False:
            return lambda state: state if state != expected else ILLEGAL
        return lambda state: new if state == expected else ILLEGAL

    def observes(self, op: Operation) -> tuple[bool, Any]:
        if op.f == "cas":
            return (True, op.input[0]) if op.outcome == "ok" and op.output is not False else (False, None)
        return super().observes(op)

    def produces(self, op: Operation) -> tuple[bool, Any]:
        if op.f == "cas":
            return True, op.input[1]
        return super().produces(op)


class KVModel(CasRegisterModel):
    """A key-value store: one independent cas-register per key, plus ``append`` (string or tuple).

    Every key starts at ``initial``: ``None`` (nil) as in Jepsen's independent registers, or
    ``""`` for MIT 6.824/6.5840 and Porcupine kv histories, where a Get of a missing key returns
    the empty string. ``append`` adds its input at the end of the key's value (``nil`` counts as
    empty): strings concatenate, anything else becomes a tuple of the items appended.
    """

    name = "kv"
    functions = READ_FS | WRITE_FS | {"cas", "append"}
    partitioned = True

    def check_op(self, op: Operation) -> None:
        Model.check_op(self, op)
        if op.f == "cas" and not (isinstance(op.input, tuple) and len(op.input) == 2):
            raise ConfigError(f"op #{op.index}: a cas takes (expected, new), got {op.input!r}")

    @staticmethod
    def _append(state: Any, item: Any) -> Any:
        if isinstance(item, str) and (state is None or isinstance(state, str)):
            return (state or "") + item
        return (state if isinstance(state, tuple) else (() if state is None else (state,))) + (item,)

    def step(self, state: Any, op: Operation) -> Any:
        if op.f == "append":
            return self._append(state, op.input)
        return super().step(state, op)

    def compile(self, op: Operation) -> Step:
        if op.f == "append":
            item, append = op.input, self._append
            return lambda state: append(state, item)
        return super().compile(op)

    def produces(self, op: Operation) -> tuple[bool, Any]:
        if op.f == "append":
            return False, None
        return super().produces(op)

    def depends(self, observer: Operation, op: Operation) -> bool:
        has, value = self.observes(observer)
        if not has or op.key != observer.key or value == self.initial:
            return False
        if op.f == "append":
            item = op.input
            if isinstance(value, str) and isinstance(item, str):
                return item in value
            return isinstance(value, tuple) and item in value
        if op.f in WRITE_FS and isinstance(value, str) and isinstance(op.input, str) and op.input:
            return value.startswith(op.input) and value != op.input   # a put, then appends
        return False

    def register_like(self) -> bool:
        return True


class SetModel(Model):
    """A set: ``add x``, ``remove x``, and ``read`` returning the whole set (a frozenset)."""

    name = "set"
    functions = READ_FS | {"add", "remove"}

    def init(self) -> Hashable:
        return frozenset()

    def step(self, state: Any, op: Operation) -> Any:
        if op.f == "add":
            return state | {op.input}
        if op.f == "remove":
            return state - {op.input}
        if op.outcome != "ok":
            return state
        return state if frozenset(op.output or ()) == state else ILLEGAL

    def describe(self, state: Any) -> str:
        return "{" + ", ".join(sorted(map(str, state))) + "}"


class CounterModel(Model):
    """A counter starting at ``initial``: ``incr``/``add`` n (default 1), ``decr`` n, ``read``."""

    name = "counter"
    functions = READ_FS | {"incr", "add", "decr"}

    def __init__(self, initial: int = 0) -> None:
        if isinstance(initial, bool) or not isinstance(initial, (int, float)):
            raise ConfigError(f"initial for the counter model must be a number, got {initial!r}")
        self.initial = initial

    def init(self) -> Hashable:
        return self.initial

    def step(self, state: Any, op: Operation) -> Any:
        if op.f in READ_FS:
            return state if op.outcome != "ok" or op.output == state else ILLEGAL
        amount = 1 if op.input is None else op.input
        return state - amount if op.f == "decr" else state + amount


class JointModel(Model):
    """Several independent objects as one state (a tuple, one slot per key).

    Sequential consistency is not local (Herlihy & Wing 1990, §3.3): a key-value history must
    then be ordered as a whole, so the search runs a joint model over all keys.
    """

    def __init__(self, inner: Model, keys: Iterable[Hashable]) -> None:
        self.inner = inner
        self.keys = list(keys)
        self.slot = {k: i for i, k in enumerate(self.keys)}
        self.name = inner.name
        self.functions = inner.functions

    def init(self) -> Hashable:
        return tuple(self.inner.init() for _ in self.keys)

    def step(self, state: Any, op: Operation) -> Any:
        i = self.slot[op.key]
        new = self.inner.step(state[i], op)
        if new is ILLEGAL:
            return ILLEGAL
        return state[:i] + (new,) + state[i + 1:]

    def compile(self, op: Operation) -> Step:
        i, inner = self.slot[op.key], self.inner.compile(op)

        def step(state: Any) -> Any:
            new = inner(state[i])
            return ILLEGAL if new is ILLEGAL else state[:i] + (new,) + state[i + 1:]
        return step

    def is_read_only(self, op: Operation) -> bool:
        return self.inner.is_read_only(op)

    def describe(self, state: Any) -> str:
        return ", ".join(f"{k}={self.inner.describe(v)}" for k, v in zip(self.keys, state))


MODELS: dict[str, Callable[[], Model]] = {
    "register": RegisterModel,
    "cas-register": CasRegisterModel,
    "kv": KVModel,
    "set": SetModel,
    "counter": CounterModel,
}


def resolve_model(model: "str | Model", *, initial: Any = MODEL_DEFAULT) -> Model:
    """A Model from a name in :data:`MODELS` or a Model instance; ``initial`` sets a named model's initial value.

    ``initial`` applies to ``register``, ``cas-register``, ``kv`` (any value a read can return)
    and ``counter`` (a number); a set always starts empty. A Model instance carries its own
    initial value, so ``initial`` is refused with one (build it as ``KVModel(initial="")``).
    """
    if isinstance(model, type) and issubclass(model, Model):
        model = model.name if model in MODELS.values() else model()
    if isinstance(model, Model):
        if initial is not MODEL_DEFAULT:
            raise ConfigError(f"initial={initial!r} goes with a model name; the {type(model).__name__} instance "
                              f"given has its own initial value - build it with one instead, e.g. "
                              f"{type(model).__name__}(initial={initial!r})")
        return model
    if not (isinstance(model, str) and model in MODELS):
        raise ConfigError(f"model must be one of {list(MODELS)} or a Model instance, got {model!r}")
    if initial is MODEL_DEFAULT:
        return MODELS[model]()
    if model == "set":
        raise ConfigError("the set model always starts empty; leave initial out")
    return MODELS[model](initial)  # type: ignore[call-arg]
