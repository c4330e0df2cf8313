#!/usr/bin/env python3
"""Writes tests/fixtures/functional.json, linalg.json and gaussian_process.json: torch 1.13's values
for xgrad's torch.autograd.functional and torch.linalg tests, and the PyTorch run of
examples/gaussian_process.

Run with the Debian torch (python3-torch) from anywhere:
    /usr/bin/python3 scripts/make_linalg_fixtures.py
Everything is float64 on small fixed inputs drawn from a seeded numpy generator. The test functions
below are written again, op for op, in tests/test_functional.cpp (keep the two in step). Floats are
written with repr, so they round-trip exactly.
"""
import json
import math
import os

import numpy as np
import torch
from torch.autograd import functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
rng = np.random.default_rng(20261130)


def t(shape, lo=-1.0, hi=1.0):
    return torch.tensor(rng.uniform(lo, hi, size=shape))


def flat(x):
    return {"shape": list(x.shape), "values": [float(v) for v in x.detach().reshape(-1).tolist()]}


# ---- functional ---------------------------------------------------------------------------------

W = t((3, 2))


def vec_fn(x):  # [3] -> [3]
    return torch.sin(x) * x.sum() + x ** 3


def mat_fn(x):  # [2, 3] -> [2, 2]
    return torch.tanh(x @ W)


def scalar_fn(x):  # [4] -> scalar
    return (x * x).sum() * torch.sin(x).sum() + torch.exp(0.5 * x).sum()


def pair_fn(a, b):  # [2, 3], [3] -> [2]
    return torch.tanh(a @ b) * (b * b).sum()


def pair_scalar_fn(a, b):  # [2, 2], [2] -> scalar
    return (a @ b).sum() ** 2 + torch.sin(a).sum() * (b ** 3).sum()


def functional_fixtures():
    out = {"W": flat(W), "single": [], "pair": []}
    for name, fn, shape, scalar in [("vec", vec_fn, (3,), False), ("mat", mat_fn, (2, 3), False),
                                    ("scalar", scalar_fn, (4,), True)]:
        x = t(shape)
        y = fn(x)
        v, u = t(tuple(y.shape)), t(shape)
        case = {"name": name, "x": flat(x), "v": flat(v), "u": flat(u), "y": flat(y),
                "vjp": flat(F.vjp(fn, x, v)[1]), "jvp": flat(F.jvp(fn, x, u)[1]),
                "jacobian": flat(F.jacobian(fn, x))}
        if scalar:
            case["hessian"] = flat(F.hessian(fn, x))
            case["hvp"] = flat(F.hvp(fn, x, u)[1])
            case["vhp"] = flat(F.vhp(fn, x, u)[1])
            # Third order: d/dx sum(H(x)·u) through create_graph.
            xr = x.clone().requires_grad_()
            F.hvp(fn, xr, u, create_graph=True)[1].sum().backward()
            case["hvp_grad"] = flat(xr.grad)
        out["single"].append(case)
    for name, fn, shapes, scalar in [("pair", pair_fn, [(2, 3), (3,)], False),
                                     ("pair_scalar", pair_scalar_fn, [(2, 2), (2,)], True)]:
        xs = tuple(t(s) for s in shapes)
        y = fn(*xs)
        v = t(tuple(y.shape))
        us = tuple(t(s) for s in shapes)
        case = {"name": name, "x": [flat(x) for x in xs], "v": flat(v), "u": [flat(u) for u in us], "y": flat(y),
                "vjp": [flat(g) for g in F.vjp(fn, xs, v)[1]], "jvp": flat(F.jvp(fn, xs, us)[1]),
                "jacobian": [flat(j) for j in F.jacobian(fn, xs)]}
        if scalar:
            case["hessian"] = [[flat(b) for b in row] for row in F.hessian(fn, xs)]
            case["hvp"] = [flat(h) for h in F.hvp(fn, xs, us)[1]]
            case["vhp"] = [flat(h) for h in F.vhp(fn, xs, us)[1]]
        out["pair"].append(case)
    return out


# ---- linalg ---------------------------------------------------------------------------------------
# Each case: named inputs, the op's outputs, and the gradient of sum_k <out_k, cot_k> for every
# input (cotangents given for the differentiable outputs). tests/test_linalg.cpp maps the names to
# the same calls.


def spd(n, batch=()):
    m = t(batch + (n, n))
    return m @ m.transpose(-2, -1) + n * torch.eye(n)


def well(n, batch=()):  # well-conditioned: random plus a dominant diagonal
    return t(batch + (n, n)) + 3 * torch.eye(n)


def nearly_singular(n):  # two almost parallel rows: condition number ~1e3
    a = t((n, n))
    a[1] = a[0] + 1e-3 * t((n,))
    return a


LINALG_CASES = {
    "inv": (lambda A: [torch.linalg.inv(A)], lambda: [well(3, (2,))]),
    "inv_nearly_singular": (lambda A: [torch.linalg.inv(A)], lambda: [nearly_singular(3)]),
    "det": (lambda A: [torch.linalg.det(A)], lambda: [t((2, 3, 3))]),
    "det_nearly_singular": (lambda A: [torch.linalg.det(A)], lambda: [nearly_singular(3)]),
    "slogdet": (lambda A: [torch.linalg.slogdet(A)[1]], lambda: [t((3, 3, 3))]),
    "slogdet_sign": (lambda A: [torch.linalg.slogdet(A)[0].detach()], lambda: [t((3, 3, 3))]),
    "solve": (lambda A, B: [torch.linalg.solve(A, B)], lambda: [well(3, (2,)), t((2, 3, 2))]),
    "solve_vector": (lambda A, B: [torch.linalg.solve(A, B)], lambda: [well(3), t((3,))]),
    "solve_broadcast": (lambda A, B: [torch.linalg.solve(A, B)], lambda: [well(3), t((2, 3, 2))]),
    "solve_right": (lambda A, B: [torch.linalg.solve(A, B, left=False)], lambda: [well(3, (2,)), t((2, 4, 3))]),
    "solve_nearly_singular": (lambda A, B: [torch.linalg.solve(A, B)], lambda: [nearly_singular(3), t((3, 2))]),
    "cholesky": (lambda A: [torch.linalg.cholesky(A)], lambda: [spd(3, (2,))]),
    "cholesky_upper": (lambda A: [torch.linalg.cholesky(A, upper=True)], lambda: [spd(4)]),
    "cholesky_of_product": (lambda M: [torch.linalg.cholesky(M @ M.transpose(-2, -1) + torch.eye(3))],
                            lambda: [t((2, 3, 3))]),
    "solve_triangular_upper": (lambda A, B: [torch.linalg.solve_triangular(A, B, upper=True)],
                               lambda: [well(3, (2,)), t((2, 3, 2))]),
    "solve_triangular_lower_right": (lambda A, B: [torch.linalg.solve_triangular(A, B, upper=False, left=False)],
                                     lambda: [well(3), t((2, 3))]),
    "solve_triangular_unit": (lambda A, B: [torch.linalg.solve_triangular(A, B, upper=False, unitriangular=True)],
                              lambda: [t((3, 3)), t((3, 4))]),
    # cholesky_solve's gradient for L differs from torch's off the triangle (torch treats L as a full
    # matrix); through cholesky(A) both give the same gradient for A.
    "cholesky_solve": (lambda A, B: [torch.cholesky_solve(B, torch.linalg.cholesky(A))],
                       lambda: [spd(3, (2,)), t((2, 3, 2))]),
    "cholesky_solve_upper": (lambda A, B: [torch.cholesky_solve(B, torch.linalg.cholesky(A, upper=True), upper=True)],
                             lambda: [spd(3), t((3, 2))]),
    # Decompositions through sign-invariant functions (eigen- and singular vectors have free signs).
    "eigh": (lambda A: list(eigh_invariant(A)), lambda: [sym(t((2, 3, 3)))]),
    "eigh_upper": (lambda A: list(eigh_invariant(A, "U")), lambda: [t((3, 3))]),
    "qr_tall": (lambda A: list(qr_invariant(A)), lambda: [t((2, 4, 3))]),
    "qr_square": (lambda A: list(qr_invariant(A)), lambda: [t((3, 3))]),
    "qr_wide": (lambda A: list(qr_invariant(A)), lambda: [t((3, 5))]),
    "svd_tall": (lambda A: list(svd_invariant(A)), lambda: [t((2, 4, 3))]),
    "svd_wide": (lambda A: list(svd_invariant(A)), lambda: [t((3, 5))]),
    "svdvals": (lambda A: [torch.linalg.svdvals(A)], lambda: [t((2, 3, 4))]),
    # Full U of a tall A: its extra columns carry no gradient (torch ignores them), the value is unique.
    "svd_full_tall": (lambda A: [svd_full_sum(A)], lambda: [t((2, 4, 2))]),
    "pinv_tall": (lambda A: [torch.linalg.pinv(A)], lambda: [t((2, 4, 3))]),
    "pinv_wide": (lambda A: [torch.linalg.pinv(A)], lambda: [t((3, 5))]),
    "pinv_hermitian": (lambda A: [torch.linalg.pinv(A, hermitian=True)], lambda: [sym(t((3, 3)))]),
    "pinv_rank_deficient": (lambda A: [torch.linalg.pinv(A).detach()], lambda: [rank_two()]),
    # lstsq: the solution carries the gradient (torch's residuals have none); the rest are values.
    "lstsq_tall": (lambda A, B: [torch.linalg.lstsq(A, B).solution], lambda: [t((2, 5, 3)), t((2, 5, 2))]),
    "lstsq_wide": (lambda A, B: [torch.linalg.lstsq(A, B).solution], lambda: [t((3, 5)), t((3, 2))]),
    # (torch 1.13's lstsq backward fails for a vector B: values only)
    "lstsq_vector_values": (lambda A, B: [x.detach() for x in torch.linalg.lstsq(A, B, driver="gelsd")],
                            lambda: [t((5, 3)), t((5,))]),
    "lstsq_gelsd_values": (lambda A, B: [x.detach() for x in torch.linalg.lstsq(A, B, driver="gelsd")],
                           lambda: [t((2, 5, 3)), t((2, 5, 2))]),
    "lstsq_rank_deficient_values": (lambda A, B: [x.detach() for x in torch.linalg.lstsq(A, B, driver="gelsd")],
                                    lambda: [rank_two(), t((4, 2))]),
    # Norms; "ties" has equal magnitudes so the max-type gradients are shared.
    "vector_norm_2": (lambda x: [torch.linalg.vector_norm(x)], lambda: [t((2, 3))]),
    "vector_norm_dims": (lambda x: [torch.linalg.vector_norm(x, 3.0, dim=(0, 2), keepdim=True)], lambda: [t((2, 3, 4))]),
    "vector_norm_1": (lambda x: [torch.linalg.vector_norm(x, 1, dim=-1)], lambda: [t((2, 3))]),
    "vector_norm_half": (lambda x: [torch.linalg.vector_norm(x, 0.5, dim=0)], lambda: [t((3, 2))]),
    "vector_norm_inf_ties": (lambda x: [torch.linalg.vector_norm(x, float("inf"), dim=1)], lambda: [ties()]),
    "vector_norm_-inf_ties": (lambda x: [torch.linalg.vector_norm(x, float("-inf"))], lambda: [ties()]),
    "vector_norm_0": (lambda x: [torch.linalg.vector_norm(x, 0).detach()], lambda: [ties()]),
    "vector_norm_zero_vector": (lambda x: [torch.linalg.vector_norm(x)], lambda: [torch.zeros(3)]),
    "matrix_norm_fro": (lambda A: [torch.linalg.matrix_norm(A)], lambda: [t((2, 3, 4))]),
    "matrix_norm_nuc": (lambda A: [torch.linalg.matrix_norm(A, "nuc", dim=(0, 2))], lambda: [t((3, 2, 4))]),
    "matrix_norm_2": (lambda A: [torch.linalg.matrix_norm(A, 2)], lambda: [t((2, 3, 4))]),
    "matrix_norm_-2": (lambda A: [torch.linalg.matrix_norm(A, -2, keepdim=True)], lambda: [t((2, 3, 4))]),
    "matrix_norm_1": (lambda A: [torch.linalg.matrix_norm(A, 1)], lambda: [t((2, 3, 4))]),
    "matrix_norm_-1": (lambda A: [torch.linalg.matrix_norm(A, -1, dim=(1, 0))], lambda: [t((3, 4))]),
    "matrix_norm_inf": (lambda A: [torch.linalg.matrix_norm(A, float("inf"), keepdim=True)], lambda: [t((2, 3, 4))]),
    "matrix_norm_-inf": (lambda A: [torch.linalg.matrix_norm(A, float("-inf"))], lambda: [t((3, 4))]),
    "norm_default": (lambda x: [torch.linalg.norm(x)], lambda: [t((2, 3, 4))]),
    "norm_matrix_ord": (lambda x: [torch.linalg.norm(x, 1)], lambda: [t((3, 4))]),
    "norm_vector_dim": (lambda x: [torch.linalg.norm(x, 4.0, dim=(1,))], lambda: [t((3, 4))]),
    "norm_nuc": (lambda x: [torch.linalg.norm(x, "nuc")], lambda: [t((3, 4))]),
}


def rank_two():  # 4x3 of rank 2
    return t((4, 2)) @ t((2, 3))


def ties():
    return torch.tensor([[0.5, -2.0, 2.0, 1.0], [-0.25, 0.25, -0.25, 0.1]])


def sym(x):
    return x + x.transpose(-2, -1)


def eigh_invariant(A, uplo="L"):  # (w, V with each column times its first element)
    w, v = torch.linalg.eigh(A, UPLO=uplo)
    return w, v * v[..., :1, :]


def qr_invariant(A):  # Q's columns and R's rows times R's diagonal
    q, r = torch.linalg.qr(A)
    d = torch.diagonal(r[..., :, : r.shape[-2]], dim1=-2, dim2=-1)
    return q * d.unsqueeze(-2), r * d.unsqueeze(-1)


def svd_invariant(A):  # U's column j times Vh[j, 0], Vh's row j times U[0, j], and S
    u, s, vh = torch.linalg.svd(A, full_matrices=False)
    return u * vh[..., :, :1].transpose(-2, -1), vh * u[..., :1, :].transpose(-2, -1), s


def svd_full_sum(A):  # Σ_ij U_ij·U_0j·Vh_j0 over the reduced j, plus Σ U_ij·U_0j over all j
    u, s, vh = torch.linalg.svd(A)
    k = vh.shape[-1]
    return (u[..., :k] * u[..., :1, :k] * vh[..., :, :1].transpose(-2, -1)).sum((-2, -1)) + (u * u[..., :1, :]).sum((-2, -1))


def linalg_fixtures():
    cases = []
    for name, (fn, make) in LINALG_CASES.items():
        inputs = [x.clone().requires_grad_() for x in make()]
        outs = fn(*inputs)
        cots = [t(tuple(o.shape)) for o in outs]
        case = {"name": name, "inputs": [flat(x) for x in inputs], "outputs": [flat(o) for o in outs]}
        if outs and all(o.requires_grad for o in outs):
            loss = sum((o * c).sum() for o, c in zip(outs, cots))
            grads = torch.autograd.grad(loss, inputs)
            case["cotangents"] = [flat(c) for c in cots]
            case["grads"] = [flat(g) for g in grads]
        cases.append(case)
    return cases


# ---- examples/gaussian_process --------------------------------------------------------------------
# The same GP fit as examples/gaussian_process/gp.hpp: RBF kernel with log length scale, log signal and
# log noise standard deviations, exact negative log marginal likelihood through cholesky, cholesky_solve
# and 2·Σ log diag L, minimized with Adam.
GP_STEPS = 150
GP_LR = 0.05


def gp_nll(x, y, params):
    log_ell, log_sf, log_sn = params
    n = x.shape[0]
    d = x.unsqueeze(1) - x.unsqueeze(0)
    k = torch.exp(2 * log_sf) * torch.exp(-0.5 * d * d / torch.exp(2 * log_ell)) + torch.exp(2 * log_sn) * torch.eye(n)
    chol = torch.linalg.cholesky(k)
    alpha = torch.cholesky_solve(y.unsqueeze(1), chol)
    logdet = 2 * torch.log(torch.diagonal(chol)).sum()
    return 0.5 * (y.unsqueeze(1) * alpha).sum() + 0.5 * logdet + 0.5 * n * np.log(2 * np.pi)


def gp_predict(x, y, params, xs):
    log_ell, log_sf, log_sn = params
    n = x.shape[0]
    rbf = lambda a, b: torch.exp(2 * log_sf) * torch.exp(-0.5 * (a.unsqueeze(1) - b.unsqueeze(0)) ** 2 / torch.exp(2 * log_ell))
    chol = torch.linalg.cholesky(rbf(x, x) + torch.exp(2 * log_sn) * torch.eye(n))
    ks = rbf(x, xs)
    mean = (ks * torch.cholesky_solve(y.unsqueeze(1), chol)).sum(0)
    v = torch.linalg.solve_triangular(chol, ks, upper=False)
    var = torch.exp(2 * log_sf) - (v * v).sum(0)
    return mean, var.sqrt()


def gp_fixture():
    # The data formula of gp::make_data, in the same libm scalar calls.
    xs_ = [-3.0 + 6.0 * math.fmod(i * 0.6180339887498949, 1.0) for i in range(40)]
    x = torch.tensor(xs_)
    y = torch.tensor([math.sin(2.0 * v) + 0.3 * v + 0.1 * math.sin(12.9898 * i + 1.0) for i, v in enumerate(xs_)])
    params = [torch.tensor(v, requires_grad=True) for v in (0.0, 0.0, -1.0)]
    nll0 = gp_nll(x, y, params)
    grads0 = torch.autograd.grad(nll0, params)
    opt = torch.optim.Adam(params, lr=GP_LR)
    history = []
    for step in range(GP_STEPS):
        opt.zero_grad()
        loss = gp_nll(x, y, params)
        history.append(float(loss))
        loss.backward()
        opt.step()
    final = gp_nll(x, y, params)
    xs = torch.linspace(-3.5, 3.5, 8)
    with torch.no_grad():
        mean, std = gp_predict(x, y, params, xs)
    return {"x": flat(x), "y": flat(y), "initial": [0.0, 0.0, -1.0], "lr": GP_LR, "steps": GP_STEPS,
            "initial_nll": float(nll0), "initial_grads": [float(v) for v in grads0],
            "nll_history": history, "final_params": [float(p) for p in params], "final_nll": float(final),
            "test_x": flat(xs), "test_mean": flat(mean), "test_std": flat(std)}


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "functional.json"), "w") as f:
        json.dump(functional_fixtures(), f, separators=(",", ":"))
    with open(os.path.join(OUT, "linalg.json"), "w") as f:
        json.dump(linalg_fixtures(), f, separators=(",", ":"))
    with open(os.path.join(OUT, "gaussian_process.json"), "w") as f:
        json.dump(gp_fixture(), f, separators=(",", ":"))


if __name__ == "__main__":
    main()
