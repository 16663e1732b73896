// Package pipeline is spikernn's one workflow: train a rate network (or load
// it from a model store), choose the spiking network's scaling factor by the
// grid search (or load the choice), evaluate the rate and spiking networks,
// and save everything in model files the reference tools read. The command
// line, the notebooks and the sweep engine all call it, so the pipeline is
// written once.
//
// A Store is a folder of model files keyed by everything that determines
// them: the network configuration, the seed, the training options and
// spikernn.ModelFormat. Asking for a model that is in the store loads it;
// any change of a setting gives a new key and trains a new model, never a
// stale one. Grid-search results are recorded in the model file with the
// settings they were run with (scaling_key), so they are reused only for the
// same grid, trials, seed and neuron parameters.
//
// Long steps report progress through a spikernn.Reporter: the command line's
// progress bar and the notebooks' live display (package nb) implement it.
//
// Files are written atomically, new model files never replace existing
// ones, and a store shared by several processes (or cluster nodes on a shared
// file system) trains each model once: the trainer holds a lock file, and the
// others wait for its result.
package pipeline
