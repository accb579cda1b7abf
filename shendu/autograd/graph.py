"""The computational graph (计算图) and the backward engine (反向传播).

Each op that needs a gradient creates one ``Node``: its backward function, an edge per input
(the input's own node, or ``None`` when that input needs no gradient), and the shape and
dtype of every input. ``execute`` walks the graph from the outputs to the leaves without
recursion, in dependency order, and applies the chain rule (链式法则):

- a value used twice receives the sum of both gradients (fan-out);
- an op returns gradients in the broadcast shape of its output, and this file alone sums
  them back to each input's shape (``sum_to``), so no op handles broadcasting itself;
- saved values are checked against in-place changes, and freed after the walk unless
  ``retain_graph`` is set.
"""

from __future__ import annotations

import weakref


from .. import dtypes as _dtypes
from . import grad_mode

_FREED = ("Trying to backward through the graph a second time (or directly access saved "
          "tensors after they have already been freed). Saved intermediate values of the graph "
          "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True "
          "if you need to backward through the graph a second time or if you need to access "
          "saved tensors after calling backward.")


class VersionCounter:
    """Counts in-place changes of one buffer; a tensor and its views share one counter."""

    __slots__ = ("v",)

    def __init__(self):
        self.v = 0


class Node:
    """One recorded op: ``grad_fn`` of the tensors it produced.

    ``backward(*grads[, *outputs])`` takes one gradient per output (``None`` for an output
    that received none) and returns one gradient per input, each a Tensor in the broadcast
    shape or ``None``. When the node saved its outputs, they are passed after the grads.
    """

    __slots__ = ("_name", "_backward", "_edges", "_metas", "_saved", "_outs", "_n_out",
                 "_hooks", "_once", "_holds", "__weakref__")

    def __init__(self, name, backward, edges, metas, saved=(), outs=None, n_out=1, once=False,
                 holds=False):
        self._name = name
        self._backward = backward
        self._edges = edges        # per input: (Node, output_nr) or None
        self._metas = metas        # per input: (shape, numpy dtype) or None
        self._saved = saved        # per saved tensor: (VersionCounter, version, shape)
        self._outs = outs          # saved output arrays, when backward needs them
        self._n_out = n_out
        self._hooks = None         # output_nr -> [hook]
        self._once = once          # backward is not itself differentiable
        # whether backward holds saved values (tensors, index arrays): such nodes are freed
        # after backward, and walking them again raises, as in PyTorch
        self._holds = holds or bool(saved) or outs is not None

    def name(self) -> str:
        return self._name

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else e for e in self._edges)

    def __repr__(self) -> str:
        return f"<{self._name} object at {id(self):#x}>"

    def _add_hook(self, nr: int, hook):
        if self._hooks is None:
            self._hooks = {}
        self._hooks.setdefault(nr, []).append(hook)
        return RemovableHandle(self._hooks[nr], hook)

    def _apply(self, grads: list, create_graph: bool):
        if self._backward is None:
            raise RuntimeError(_FREED)
        for vc, v, shape in self._saved:
            if vc.v != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: a tensor of shape {list(shape)} saved by {self._name} "
                    f"is at version {vc.v}; expected version {v} instead. Hint: clone() the value "
                    f"before changing it in place, or use the out-of-place op.")
        if self._outs is not None:
            outs = [_saved_output(self, i, a, create_graph) for i, a in enumerate(self._outs)]
            res = self._backward(*grads, *outs)
        else:
            res = self._backward(*grads)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) != len(self._edges):
            raise RuntimeError(f"function {self._name} returned an incorrect number of gradients "
                               f"(expected {len(self._edges)}, got {len(res)})")
        if create_graph and self._once:
            res = tuple(_once_guard(self, r, grads) for r in res)
        return res

    def _release(self):
        if self._holds:
            self._backward = None
            self._outs = None


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: adds the incoming gradient to ``.grad``."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        super().__init__("AccumulateGrad", None, (), ())
        self._tensor = weakref.ref(tensor)

    @property
    def variable(self):
        return self._tensor()

    def _accumulate(self, g, create_graph: bool, owned: set):
        t = self._tensor()
        if t is None:
            return
        cur = t._grad
        if cur is None:
            t._grad = g if (create_graph or g in owned) else _wrap(g._data.copy())
        elif create_graph or cur._rg or g._rg:
            t._grad = cur + g
        else:
            cur._data += g._data


class RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` takes the hook away."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _saved_output(node, i, arr, create_graph):
    t = _wrap(arr)
    if create_graph:        # reconnect the output to its own node, so d(dx)/dy flows through it
        t._fn, t._nr, t._rg = node, i, True
    return t


class _OnceBackward:
    def __init__(self, name):
        self.name = name

    def __call__(self, *grads):
        raise RuntimeError(f"{self.name}: its backward is not differentiable (double backward "
                           f"through this op is not supported)")


def _once_guard(node, r, grads):
    """Mark a gradient computed by a once-differentiable op (create_graph=True) so that
    differentiating it raises instead of silently missing the second-order terms."""
    if r is None or r._rg:
        return r
    edges = tuple(e for e in node._edges if e is not None) + tuple(
        _edge(g) for g in grads if g is not None and g._rg)
    out = _wrap(r._data)
    out._fn = Node(node._name + "Backward", _OnceBackward(node._name), edges,
                   (None,) * len(edges))
    out._rg = True
    return out


def _edge(t):
    """Where a gradient for tensor ``t`` goes: its grad_fn, or its leaf accumulator. A view
    whose base changed in place since its grad_fn was made gets a fresh one first."""
    if t._fn is not None:
        if t._base is not None and t._vv != t._vc.v:
            refresh_view(t)
        return (t._fn, t._nr)
    acc = t._accum
    if acc is None:
        acc = t._accum = AccumulateGrad(t)
    return (acc, 0)


def sum_to(g, shape, name: str):
    """Sum a broadcast gradient back to an input's ``shape`` (the one place unbroadcast happens)."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or any(s != 1 and s != gs for s, gs in zip(shape, gshape[lead:])):
        raise RuntimeError(f"function {name} returned an invalid gradient: got shape "
                           f"{list(gshape)} but expected shape compatible with {list(shape)}")
    if grad_mode.state.enabled:
        return g.sum_to_size(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and gshape[lead + i] != 1)
    out = g._data.sum(axis=axes, keepdims=True) if axes else g._data
    return _wrap(out.reshape(shape))


def _fresh(r, res, grads) -> bool:
    """True when gradient ``r`` is a new array that nothing else holds, so the engine may
    add into it in place (a pass-through or a view of an incoming gradient is not)."""
    a = r._data
    if a.base is not None:
        return False
    n = 0
    for x in res:
        if x is not None and x._data is a:
            n += 1
    if n > 1:
        return False
    for x in grads:
        if x is not None and x._data is a:
            return False
    return True


def execute(roots, root_grads, keep_graph: bool, create_graph: bool, capture=None):
    """Run the chain rule from ``roots`` (list of (node, output_nr)) seeded with ``root_grads``.

    With ``capture`` (dict node -> [(output_nr, slot)]), the gradients reaching those edges are
    returned in a list instead of being accumulated into leaves' ``.grad``.
    """
    deps: dict = {}
    stack = []
    for node, _ in roots:
        if node not in deps:
            deps[node] = 0
            stack.append(node)
    while stack:
        node = stack.pop()
        for e in node._edges:
            if e is not None:
                m = e[0]
                if m in deps:
                    deps[m] += 1
                else:
                    deps[m] = 1
                    stack.append(m)

    needed = None
    captured = None
    if capture is not None:
        captured = [None] * sum(len(v) for v in capture.values())
        needed = _needed(deps, capture)

    buffers: dict = {}
    owned: set = set()
    for (node, nr), g in zip(roots, root_grads):
        _add_to(buffers, owned, node, nr, g, create_graph, False)
    ready = []
    for node, _ in roots:
        if deps[node] == 0 and node not in ready:
            ready.append(node)

    prev = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is not None and node._hooks:
                _run_hooks(node, grads)
            if capture is not None:
                for nr, slot in capture.get(node, ()):
                    captured[slot] = grads[nr] if grads is not None else None
            res = None
            if grads is not None:
                if node.__class__ is AccumulateGrad:
                    if capture is None:
                        node._accumulate(grads[0], create_graph, owned)
                elif needed is None or node in needed:
                    res = node._apply(grads, create_graph)
                    if not keep_graph:
                        node._release()
            edges, metas = node._edges, node._metas
            for i in range(len(edges)):
                e = edges[i]
                if e is None:
                    continue
                m, nr = e
                if res is not None:
                    r = res[i]
                    if r is not None:
                        shape, dt = metas[i]
                        fresh = not create_graph and _fresh(r, res, grads)
                        if r._data.shape != shape:
                            r = sum_to(r, shape, node._name)
                            fresh = not create_graph
                        if r._data.dtype != dt:
                            r = r.to(_dtypes.from_np(dt))
                            fresh = not create_graph
                        _add_to(buffers, owned, m, nr, r, create_graph, fresh)
                d = deps[m] - 1
                deps[m] = d
                if d == 0:
                    ready.append(m)
    finally:
        grad_mode.state.enabled = prev
    return captured


def _add_to(buffers, owned, node, nr, g, create_graph, fresh):
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._n_out
    cur = buf[nr]
    if cur is None:
        buf[nr] = g
        if fresh:
            owned.add(g)
        else:       # passed through (AddBackward's g, g): it may sit in other buffers too
            owned.discard(g)
    elif create_graph:
        buf[nr] = cur + g
    elif cur in owned:
        cur._data += g._data
    else:
        new = _wrap(cur._data + g._data)
        owned.add(new)
        buf[nr] = new


def _run_hooks(node, grads):
    for nr, hooks in node._hooks.items():
        g = grads[nr]
        if g is None:
            continue
        for hook in list(hooks):
            r = hook(g)
            if r is not None:
                if r._data.shape != g._data.shape:
                    raise RuntimeError(f"hook on {node._name} returned a gradient of shape "
                                       f"{list(r._data.shape)}, expected {list(g._data.shape)}")
                g = r
        grads[nr] = g


def _needed(deps, capture):
    """Nodes from which a captured edge can be reached: only these run in autograd.grad."""
    children = {n: [e[0] for e in n._edges if e is not None] for n in deps}
    needed = set(capture)
    for n in reversed(_topo_order(deps, children)):   # leaves first
        if n not in needed and any(c in needed for c in children[n]):
            needed.add(n)
    return needed


def _topo_order(deps, children):
    remaining = dict(deps)
    order = [n for n, d in remaining.items() if d == 0]
    i = 0
    while i < len(order):
        for c in children[order[i]]:
            remaining[c] -= 1
            if remaining[c] == 0:
                order.append(c)
        i += 1
    return order


# tensor.py imports this module at its end, after defining _wrap
from ..tensor import _wrap  # noqa: E402
from .views import refresh_view  # noqa: E402
