#!/usr/bin/python3
"""Writes model files the way the reference tools do, for spikernn's tests.

ref_gonogo.mat / ref_xor.mat: what the reference's rate/main.py saves with
scipy.io.savemat after training (same variable names, Python types and
shapes: lists of (N,1) states become T x N x 1 arrays, exc/inh are (N,1)
bools, N/som_N/tr are Python ints, taus a list of floats, XOR eval labels are
strings). The weights are built with the reference's construction rules but
are not trained: the tests check file interchange, not learning.

Run with Debian's /usr/bin/python3 (python3-numpy, python3-scipy):
    /usr/bin/python3 make_fixtures.py
then gen_fixtures.sh converts them with GNU Octave (save -v7 and -v6).
"""
import numpy as np
import scipy.io


def build(task, N, n_in, T, taus, seed, som_N=0, apply_dale=True):
    rng = np.random.RandomState(seed)
    P_inh, P_rec, gain = 0.2, 0.2, 1.5
    w_in = np.float32(rng.randn(N, n_in))
    w_out = np.float32(rng.randn(1, N) / 100)
    inh = rng.rand(N, 1) < P_inh if apply_dale else rng.rand(N, 1) < 0
    exc = ~inh
    w = np.zeros((N, N), dtype=np.float32)
    idx = np.where(rng.rand(N, N) < P_rec)
    w[idx[0], idx[1]] = rng.normal(0, 1.0, len(idx[0]))
    w = w / np.sqrt(N * P_rec) * gain
    if apply_dale:
        w = np.abs(w)
    m = np.eye(N, dtype=np.float32)
    ii = np.where(inh)[0]
    m[ii, ii] = -1
    som_m = np.ones((N, N), dtype=np.float32)
    for i in ii[:som_N]:
        som_m[i, ii] = 0
    taus_gaus0 = np.float32(rng.randn(N, 1))
    # "Training": perturb the weights a little, keep the sparsity pattern.
    w_tr = np.float32(np.maximum(w + 0.01 * rng.randn(N, N) * (w != 0), 0) if apply_dale else w)
    taus_gaus = np.float32(taus_gaus0 + 0.1 * rng.randn(N, 1))

    def run(wr, tg, u):
        ts = 1 / (1 + np.exp(-tg)) * (taus[1] - taus[0]) + taus[0] if len(taus) > 1 else taus[0]
        ww = np.matmul(wr, m) * som_m
        x = [np.float32(rng.randn(N, 1) / 100)]
        r = [1 / (1 + np.exp(-x[0]))]
        o = []
        for t in range(1, T):
            nx = (1 - 1 / ts) * x[t - 1] + (1 / ts) * (ww @ r[t - 1] + w_in @ u[:, t - 1:t]) + rng.randn(N, 1) / 10
            x.append(np.float32(nx))
            r.append(np.float32(1 / (1 + np.exp(-nx))))
            o.append(np.float32(w_out @ r[t]))
        return x, r, o

    u = np.zeros((n_in, T))
    u[0, 50:75] = 1
    x0, r0, _ = run(w, taus_gaus0, u)
    x, r, o = run(w_tr, taus_gaus, u)
    target = np.zeros(T)
    target[75:] = 1
    n_trials, tr = 3000, 1600
    losses = np.zeros((n_trials,))
    losses[: tr + 1] = np.linspace(30, 5, tr + 1)
    eval_os = np.zeros((10, T - 1))  # the reference has 100 rows; 10 keep the fixture small
    eval_os[:, :] = np.array(o).reshape(1, -1)
    if task == 'xor':
        eval_labels = ['same' if k % 2 == 0 else 'diff' for k in range(10)]
    else:
        eval_labels = np.array([k % 2 for k in range(10)], dtype=float)
    var = {}
    var['x0'] = x0
    var['r0'] = r0
    var['w0'] = w
    var['taus_gaus0'] = taus_gaus0
    var['w_in0'] = w_in
    var['u'] = u
    var['o'] = o
    var['w'] = w_tr
    var['x'] = x
    var['target'] = target
    var['w_out'] = w_out
    var['r'] = r
    var['m'] = m
    var['som_m'] = som_m
    var['N'] = N
    var['exc'] = exc
    var['inh'] = inh
    var['w_in'] = w_in
    var['b_out'] = np.float32(0.0)
    var['som_N'] = som_N
    var['losses'] = losses
    var['taus'] = taus
    var['eval_perf_mean'] = np.array([0.97])
    var['eval_loss_mean'] = np.array([4.5])
    var['eval_os'] = eval_os
    var['eval_labels'] = eval_labels
    var['taus_gaus'] = taus_gaus
    var['tr'] = tr
    var['activation'] = 'sigmoid'
    return var


if __name__ == '__main__':
    scipy.io.savemat('ref_gonogo.mat', build('go-nogo', 12, 1, 200, [4.0, 20.0], 1, som_N=1))
    scipy.io.savemat('ref_xor.mat', build('xor', 10, 2, 300, [4.0], 2))
    scipy.io.savemat('ref_nodale.mat', build('go-nogo', 8, 1, 200, [4.0, 10.0], 3, apply_dale=False))
