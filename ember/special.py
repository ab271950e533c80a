"""ember.special: torch.special's functions (special functions of one or two tensors).

Most are ember's elementwise ops under scipy-style names; the rest (i0e, i1e, ndtr, ndtri,
log_ndtr, erfcx, entr, xlog1py, zeta, bessel_j0/j1, gammainc/gammaincc, multigammaln, the
orthogonal polynomials) are defined in ember/_ops/extra_math.py and here.
"""

import ember
from ember._ops import extra_math as _em
from ember._ops.elementwise_more import _i1

__all__ = [
    "bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv",
    "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e",
    "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
    "polygamma", "psi", "round", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy",
    "zeta", "modified_bessel_i0", "modified_bessel_i1", "chebyshev_polynomial_t",
    "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
    "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
    "legendre_polynomial_p", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
]


def _out(result, out, name):
    if out is None:
        return result
    from ember._ops._registry import write_out

    return write_out(result, out, name)


def _float(x):
    return x if x.dtype.is_floating_point else x.to(ember.get_default_dtype())


def erf(input, *, out=None):
    return _out(ember.erf(input), out, "special_erf")


def erfc(input, *, out=None):
    return _out(ember.erfc(input), out, "special_erfc")


def erfinv(input, *, out=None):
    return _out(ember.erfinv(input), out, "special_erfinv")


def erfcx(input, *, out=None):
    return _out(_em.special_erfcx(input), out, "special_erfcx")


def expit(input, *, out=None):
    return _out(ember.sigmoid(input), out, "special_expit")


def logit(input, eps=None, *, out=None):
    return _out(ember.logit(input, eps), out, "special_logit")


def exp2(input, *, out=None):
    return _out(ember.exp2(input), out, "special_exp2")


def expm1(input, *, out=None):
    return _out(ember.expm1(input), out, "special_expm1")


def log1p(input, *, out=None):
    return _out(ember.log1p(input), out, "special_log1p")


def gammaln(input, *, out=None):
    return _out(ember.lgamma(input), out, "special_gammaln")


def digamma(input, *, out=None):
    return _out(ember.digamma(input), out, "special_digamma")


psi = digamma


def polygamma(n, input, *, out=None):
    return _out(ember.polygamma(n, input), out, "special_polygamma")


def multigammaln(input, p, *, out=None):
    return _out(ember.mvlgamma(input, p), out, "special_multigammaln")


def gammainc(input, other, *, out=None):
    return _out(ember.igamma(input, other), out, "special_gammainc")


def gammaincc(input, other, *, out=None):
    return _out(ember.igammac(input, other), out, "special_gammaincc")


def i0(input, *, out=None):
    return _out(ember.i0(input), out, "special_i0")


modified_bessel_i0 = i0


def i1(input, *, out=None):
    return _out(_i1(_float(input)), out, "special_i1")


modified_bessel_i1 = i1


def i0e(input, *, out=None):
    return _out(_em.special_i0e(input), out, "special_i0e")


def i1e(input, *, out=None):
    return _out(_em.special_i1e(input), out, "special_i1e")


def ndtr(input, *, out=None):
    return _out(_em.special_ndtr(input), out, "special_ndtr")


def ndtri(input, *, out=None):
    return _out(_em.special_ndtri(input), out, "special_ndtri")


def log_ndtr(input, *, out=None):
    return _out(_em.special_log_ndtr(input), out, "special_log_ndtr")


def entr(input, *, out=None):
    return _out(_em.special_entr(input), out, "special_entr")


def sinc(input, *, out=None):
    return _out(ember.sinc(input), out, "special_sinc")


def round(input, *, decimals=0, out=None):  # noqa: A001
    return _out(ember.round(input, decimals=decimals), out, "special_round")


def xlogy(input, other, *, out=None):
    return _out(ember.xlogy(input, other), out, "special_xlogy")


def xlog1py(input, other, *, out=None):
    return _out(_em.xlog1py(input, other), out, "special_xlog1py")


def zeta(input, other, *, out=None):
    return _out(_em.special_zeta(input, other), out, "special_zeta")


def bessel_j0(input, *, out=None):
    return _out(_em.special_bessel_j0(input), out, "special_bessel_j0")


def bessel_j1(input, *, out=None):
    return _out(_em.special_bessel_j1(input), out, "special_bessel_j1")


def spherical_bessel_j0(input, *, out=None):
    x = _float(input).detach()    # not differentiable in torch either
    safe = x.where(x != 0, 1.0)
    y = (safe.sin() / safe).where(x != 0, 1.0).where(~x.isinf(), 0.0)
    return _out(y, out, "special_spherical_bessel_j0")


def softmax(input, dim, *, dtype=None):
    return ember.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return ember.log_softmax(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    return _out(ember.logsumexp(input, dim, keepdim), out, "special_logsumexp")


# ------------------------------------------------------------------------------ polynomials
# torch evaluates these by the three-term recurrence up to the largest degree; n may be a
# tensor (one degree per element) or a number. Negative degrees give 0. Not differentiable.

def _poly(name, p0, p1, step):
    def fn(input, n, *, out=None):
        x = input if isinstance(input, ember.Tensor) else ember.tensor(input)
        if not isinstance(n, ember.Tensor):
            n = ember.tensor(n)
        dt = ember.promote_types(x.dtype, n.dtype)
        if not dt.is_floating_point:
            dt = ember.get_default_dtype()
        with ember.no_grad():
            x, nn = x.to(dt), n.to(dt)
            x, nn = ember.broadcast_tensors(x, nn)
            top = int(nn.max().item()) if nn.numel() else 0
            prev, cur = p0(x), p1(x)
            result = ember.zeros_like(x).where(nn < 0, prev.where(nn == 0, cur))
            for k in range(1, top):
                prev, cur = cur, step(x, prev, cur, k)
                result = cur.where(nn == k + 1, result)
            result = result.where(nn >= 0, 0.0)
        return _out(result, out, name)
    fn.__name__ = name
    return fn


def _one(x):
    return ember.ones_like(x)


chebyshev_polynomial_t = _poly("chebyshev_polynomial_t", _one, lambda x: x,
                               lambda x, p, c, k: 2 * x * c - p)
chebyshev_polynomial_u = _poly("chebyshev_polynomial_u", _one, lambda x: 2 * x,
                               lambda x, p, c, k: 2 * x * c - p)
chebyshev_polynomial_v = _poly("chebyshev_polynomial_v", _one, lambda x: 2 * x - 1,
                               lambda x, p, c, k: 2 * x * c - p)
chebyshev_polynomial_w = _poly("chebyshev_polynomial_w", _one, lambda x: 2 * x + 1,
                               lambda x, p, c, k: 2 * x * c - p)
shifted_chebyshev_polynomial_t = _poly("shifted_chebyshev_polynomial_t", _one,
                                       lambda x: 2 * x - 1,
                                       lambda x, p, c, k: 2 * (2 * x - 1) * c - p)
shifted_chebyshev_polynomial_u = _poly("shifted_chebyshev_polynomial_u", _one,
                                       lambda x: 2 * (2 * x - 1),
                                       lambda x, p, c, k: 2 * (2 * x - 1) * c - p)
shifted_chebyshev_polynomial_v = _poly("shifted_chebyshev_polynomial_v", _one,
                                       lambda x: 2 * (2 * x - 1) - 1,
                                       lambda x, p, c, k: 2 * (2 * x - 1) * c - p)
shifted_chebyshev_polynomial_w = _poly("shifted_chebyshev_polynomial_w", _one,
                                       lambda x: 2 * (2 * x - 1) + 1,
                                       lambda x, p, c, k: 2 * (2 * x - 1) * c - p)
hermite_polynomial_h = _poly("hermite_polynomial_h", _one, lambda x: 2 * x,
                             lambda x, p, c, k: 2 * x * c - 2 * k * p)
hermite_polynomial_he = _poly("hermite_polynomial_he", _one, lambda x: x,
                              lambda x, p, c, k: x * c - k * p)
laguerre_polynomial_l = _poly("laguerre_polynomial_l", _one, lambda x: 1 - x,
                              lambda x, p, c, k: ((2 * k + 1 - x) * c - k * p) / (k + 1))
legendre_polynomial_p = _poly("legendre_polynomial_p", _one, lambda x: x,
                              lambda x, p, c, k: ((2 * k + 1) * x * c - k * p) / (k + 1))
