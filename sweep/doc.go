// Package sweep runs populations of networks: a grid of configurations and
// seeds, each cell trained, converted to a spiking network (the scaling
// factor chosen by the grid search) and evaluated, with the results
// gathered in one table. The paper's claims rest on such populations (Fig
// 1C, 2C-E, 3, 5, 6C, 7 train 100 networks per condition).
//
// A Spec describes a sweep: base settings (every field the reference's
// flags set, the training, grid-search and evaluation options and the
// spiking neuron's parameters), axes over any of those fields (and the
// seed), and extra spiking conditions. It is a Go value for notebooks and a
// TOML or JSON file for the command line (examples/sweeps/tiny.toml).
//
// Each cell of the grid is a Job, identified by a hash of everything that
// determines its result (its settings and spikernn.ModelFormat). A job
// writes its model into the sweep's model store and a small result record
// into the store's jobs/ folder, atomically; a finished job is never
// recomputed, a failed one records its error and is retried only on
// request. Runners sharing a store (processes on one machine, or array
// tasks on cluster nodes sharing a file system) never run the same job:
// each takes an exclusive lock file, recovered when its owner died.
//
// The same jobs run in a notebook (Run), from the command line (spikernn
// sweep run) or as a Slurm array job (spikernn sweep submit, each array task
// running spikernn sweep run-one), and give the same table for the same
// seeds. Collect gathers the records into a Table (CSV with stable column
// names, or columns ready for plotting).
//
// Several networks per graph: before running the jobs, Run trains their
// untrained models several per GoMLX graph (RunOptions.NetsPerGraph,
// spikernn sweep run --nets-per-graph K; pipeline.Store.TrainManyOrLoad,
// gomlxmodels.TrainManyWith): models whose networks can share a graph (same
// task, N, activation, loss, Dale, decay training, batch and backend) are
// trained K at a time, one graph per worker, and saved in the model store;
// the jobs then load them (their records keep the training time). No
// result changes: a model is the same bit for bit in any group, and K is
// not part of any key. The default (0) follows
// gomlxmodels.DefaultNetsPerGraph: 8 networks per graph, except on the
// pure-Go backend above N = 200 (sizes not measured), where each job trains
// its own; on 2 cores, 8 per graph and one graph per worker trained
// 1.1-1.9x as many Go-NoGo networks an hour as one training per core at
// N = 200 and 1.4-3.0x at N = 50-100. --nets-per-graph 1 trains every
// model in its job. On Slurm, SlurmOptions.NetsPerGraph (spikernn sweep
// submit --nets-per-graph K) makes each array task run K consecutive jobs
// the same way (RunRange, run-one --count K); by default a task runs one
// job, which keeps the array as wide as the cluster allows.
package sweep
