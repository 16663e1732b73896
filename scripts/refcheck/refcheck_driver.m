% refcheck_driver.m: run the reference LIF simulator (LIF_network_fnc.m from
% github.com/rkim35/spikeRNN, unchanged, on the Octave path) on random trials
% of a task for a few scaling factors and write what spikernn's
% TestReferenceAgreement compares to a JSON fixture.
%
% This file is spikernn's own code: it draws the trials the way the
% reference's lambda_grid_search.m does (spec 5) and scores them the same
% way, but calls nothing of the reference except LIF_network_fnc.
%
%   refcheck_driver(model_path, task, factors, n_trials, seed, out_json, every)
%
% model_path: a model .mat file; task: 'go-nogo', 'mante' or 'xor';
% factors: scaling factors s (lambda = 1/s); n_trials: trials per factor;
% seed: seeds Octave's rand and randn; out_json: the fixture to write;
% every: output traces are kept every `every` steps (500 = 25 ms).
function refcheck_driver(model_path, task, factors, n_trials, seed, out_json, every)
  rand('state', seed);
  randn('state', seed);
  load(model_path, 'exc', 'inh', 'N');
  exc_ind = find(exc);
  inh_ind = find(inh);
  res = struct();
  res.task = task;
  res.model = model_path;
  res.seed = seed;
  res.trials_per_factor = n_trials;
  res.trace_every_steps = every;
  res.octave_version = OCTAVE_VERSION;
  res.N = double(N);
  res.n_exc = numel(exc_ind);
  res.n_inh = numel(inh_ind);
  res.factors = {};
  stims = struct();
  stims.mode = 'none';
  t_start = tic;
  for k = 1:numel(factors)
    s = factors(k);
    labels = zeros(n_trials, 1);
    correct = zeros(n_trials, 1);
    exc_rate = zeros(n_trials, 1);
    inh_rate = zeros(n_trials, 1);
    win_max = zeros(n_trials, 1);
    win_min = zeros(n_trials, 1);
    traces = [];
    t_fac = tic;
    for j = 1:n_trials
      [u, label, from] = draw_trial(task);
      [W, REC, spk, rs, all_fr, out, params] = LIF_network_fnc(model_path, s, u, stims, 1, false);
      out = double(out);
      w = out(from:end);
      ok = score(task, label, w);
      labels(j) = label;
      correct(j) = ok;
      exc_rate(j) = mean(double(all_fr(exc_ind)));
      inh_rate(j) = mean(double(all_fr(inh_ind)));
      win_max(j) = max(w);
      win_min(j) = min(w);
      tr = out(every:every:end);
      if isempty(traces)
        traces = zeros(n_trials, numel(tr));
      end
      traces(j, :) = tr;
      printf('s = %g trial %d/%d label %g correct %d exc %.2f Hz inh %.2f Hz (%.1f s)\n', ...
             s, j, n_trials, label, ok, exc_rate(j), inh_rate(j), toc(t_fac));
      fflush(stdout);
      % Write what is done so far after every trial, so that a run cut
      % short still leaves its trials (complete = false).
      part = res;
      part.factors{end+1} = factor_result(s, 1:j, labels, correct, exc_rate, inh_rate, win_max, win_min, traces, toc(t_fac));
      part.complete = false;
      write_json(part, out_json);
    end
    f = factor_result(s, 1:n_trials, labels, correct, exc_rate, inh_rate, win_max, win_min, traces, toc(t_fac));
    res.factors{end+1} = f;
    printf('s = %g: perf %.3f, exc %.2f Hz, inh %.2f Hz, %.0f s\n', s, f.perf, f.exc_rate, f.inh_rate, f.seconds);
    fflush(stdout);
  end
  res.seconds = toc(t_start);
  res.complete = true;
  write_json(res, out_json);
end

function write_json(res, out_json)
  fid = fopen([out_json '.part'], 'w');
  fputs(fid, jsonencode(res));
  fclose(fid);
  rename([out_json '.part'], out_json);
end

% factor_result collects the trials idx of one factor.
function f = factor_result(s, idx, labels, correct, exc_rate, inh_rate, win_max, win_min, traces, seconds)
    f = struct();
    f.s = s;
    f.perf = mean(correct(idx));
    f.exc_rate = mean(exc_rate(idx));
    f.inh_rate = mean(inh_rate(idx));
    f.labels = labels(idx)';
    f.correct = correct(idx)';
    f.exc_rates = exc_rate(idx)';
    f.inh_rates = inh_rate(idx)';
    f.window_max = win_max(idx)';
    f.window_min = win_min(idx)';
    f.traces = traces(idx, :);
    f.seconds = seconds;
end

% draw_trial returns one random trial of a task as lambda_grid_search.m
% draws it (spec 5): the input u, its label and the first step of the
% scoring window.
function [u, label, from] = draw_trial(task)
  switch task
    case 'go-nogo'
      u = zeros(1, 201);
      label = 0;
      if rand >= 0.50
        u(51:75) = 1.0;
        label = 1;
      end
      from = 10000;
    case 'mante'
      u = zeros(4, 501);
      lab = zeros(2, 1);
      for r = 1:2
        if rand >= 0.50
          u(r, 51:250) = randn(1, 200) + 0.5;
          lab(r) = 1;
        else
          u(r, 51:250) = randn(1, 200) - 0.5;
          lab(r) = -1;
        end
      end
      if rand >= 0.50
        u(3, :) = 1;
        label = lab(1);
      else
        u(4, :) = 1;
        label = lab(2);
      end
      from = 26000;
    case 'xor'
      u = zeros(2, 301);
      lab = zeros(1, 2);
      if rand >= 0.50
        u(1, 51:100) = 1; lab(1) = 1;
      else
        u(1, 51:100) = -1; lab(1) = -1;
      end
      if rand >= 0.50
        u(2, 111:160) = 1; lab(2) = 1;
      else
        u(2, 111:160) = -1; lab(2) = -1;
      end
      label = prod(lab);
      from = 20000;
    otherwise
      error('refcheck_driver: unknown task %s', task);
  end
end

% score applies the reference's rule to the output in the scoring window.
function ok = score(task, label, w)
  if strcmp(task, 'go-nogo')
    ok = (label == 1 && max(w) > 0.7) || (label == 0 && max(w) < 0.3);
  else
    ok = (label == 1 && max(w) > 0.7) || (label == -1 && min(w) < -0.7);
  end
end
