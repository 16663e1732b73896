"""Independent cross-check of spikernn's trainer: the reference's TensorFlow 1
rate-RNN training (spec sections 1.1-1.4) written out again in PyTorch
(float32, TensorFlow 1's Adam, one trial per step, evaluation on 100 trials
at tr = 1, 101, ..., the reference stopping rule), for comparing training
success rates with gomlxmodels. It shares no code with spikernn and draws its
own random numbers, so compare rates over seeds, not single seeds.

    apt-get install python3-torch          # Debian's PyTorch 1.13
    /usr/bin/python3 torch_reference.py TASK N TAU_MIN TAU_MAX N_TRIALS SEEDS
    /usr/bin/python3 torch_reference.py xor 200 4 20 6000 1,2,3
    /usr/bin/python3 torch_reference.py go-nogo 10 4 10 2000 1,2,3,4,5

TASK is go-nogo or xor. See ../README.md for what it found.
"""
import sys, time, numpy as np, torch
torch.set_num_threads(1)

def build(N, n_in, seed, P_inh=0.2, P_rec=0.2, gain=1.5):
    rs = np.random.RandomState(seed)
    w_in = np.float32(rs.randn(N, n_in)); w_out = np.float32(rs.randn(1, N) / 100)
    inh = rs.rand(N, 1) < P_inh
    w = np.zeros((N, N), dtype=np.float32)
    idx = np.where(rs.rand(N, N) < P_rec)
    w[idx[0], idx[1]] = rs.normal(0, 1.0, len(idx[0]))
    w = np.abs(w / np.sqrt(N * P_rec) * gain)
    m = np.eye(N, dtype=np.float32); ii = np.where(inh)[0]; m[ii, ii] = -1
    return w, w_in, w_out, m, rs

def gonogo(rs, T=200):
    u = np.zeros((1, T)); z = np.zeros(T); lab = 0
    if rs.rand() <= 0.5:
        u[0, 50:75] = 1; z[75:] = 1; lab = 1
    return u, z, lab

def xor(rs, T=300):
    u = np.zeros((2, T)); s = []
    for k, on in ((0, 50), (1, 110)):
        v = 1 if rs.rand() < 0.5 else -1
        u[k, on:on+50] = v; s.append(v)
    lab = s[0] * s[1]; z = np.zeros(T); z[170:270] = lab
    return u, z, lab

def correct(task, o, lab):
    if task == 'go-nogo':
        return o[75:].max() > 0.7 if lab == 1 else np.abs(o[75:]).max() < 0.3
    return o[200:].max() > 0.7 if lab == 1 else o[200:].min() < -0.7

def forward(w, m, w_in, w_out, b_out, tg, taus, U, gen):
    # U: (B, n_in, T); returns o (B, T-1)
    B, _, T = U.shape; N = w.shape[0]
    ww = torch.relu(w) @ m
    tau = torch.sigmoid(tg) * (taus[1] - taus[0]) + taus[0] if len(taus) > 1 else torch.full((N, 1), taus[0])
    a = (1.0 / tau).T  # (1, N)
    x = torch.randn(B, N, generator=gen) / 100
    r = torch.sigmoid(x); os_ = []
    for t in range(1, T):
        x = (1 - a) * x + a * (r @ ww.T + U[:, :, t-1] @ w_in.T) + torch.randn(B, N, generator=gen) / 10
        r = torch.sigmoid(x)
        os_.append(r @ w_out.T + b_out)
    return torch.cat(os_, dim=1)

def train(task, N, taus, seed, n_trials):
    n_in = 1 if task == 'go-nogo' else 2
    gen_task = gonogo if task == 'go-nogo' else xor
    w0, w_in, w_out0, m, rs = build(N, n_in, seed)
    gen = torch.Generator().manual_seed(seed)
    w = torch.tensor(w0, requires_grad=True); w_out = torch.tensor(w_out0, requires_grad=True)
    b_out = torch.zeros(1, requires_grad=True); tg = torch.randn(N, 1, generator=gen).requires_grad_(len(taus) > 1)
    m = torch.tensor(m); w_in = torch.tensor(w_in)
    params = [p for p in (w, w_out, b_out, tg) if p.requires_grad]
    ms = [torch.zeros_like(p) for p in params]; vs = [torch.zeros_like(p) for p in params]
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    t0 = time.time()
    for tr in range(n_trials):
        u, z, lab = gen_task(rs)
        o = forward(w, m, w_in, w_out, b_out, tg, taus, torch.tensor(u[None], dtype=torch.float32), gen)[0]
        loss = torch.sqrt(((o - torch.tensor(z[:-1], dtype=torch.float32)) ** 2).sum())
        for p in params: p.grad = None
        loss.backward()
        with torch.no_grad():
            step = tr + 1
            lr_t = lr * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
            for p, mm, vv in zip(params, ms, vs):
                mm.mul_(b1).add_((1 - b1) * p.grad); vv.mul_(b2).add_((1 - b2) * p.grad ** 2)
                p.sub_(lr_t * mm / (vv.sqrt() + eps))
        if (tr - 1) % 100 == 0:
            with torch.no_grad():
                trials = [gen_task(rs) for _ in range(100)]
                U = torch.tensor(np.stack([t[0] for t in trials]), dtype=torch.float32)
                Z = torch.tensor(np.stack([t[1][:-1] for t in trials]), dtype=torch.float32)
                O = forward(w, m, w_in, w_out, b_out, tg, taus, U, gen)
                el = torch.sqrt(((O - Z) ** 2).sum(1)).mean().item()
                On = O.numpy()
                ep = np.mean([correct(task, On[i], trials[i][2]) for i in range(100)])
            ok = el < 7 and ep > 0.95 and (tr > 1500 if task == 'go-nogo' else True)
            if ok:
                return True, tr, el, ep, time.time() - t0
    return False, n_trials - 1, el, ep, time.time() - t0

if __name__ == '__main__':
    task, N, lo, hi, n_trials = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    taus = [lo, hi] if hi != lo else [lo]
    for seed in [int(s) for s in sys.argv[6].split(',')]:
        ok, tr, el, ep, sec = train(task, N, taus, seed, n_trials)
        print(f"{task} N={N} taus={taus} seed={seed}: {'trained' if ok else 'FAILED'} tr={tr} eval_loss={el:.2f} perf={ep:.2f} {sec:.0f}s", flush=True)
