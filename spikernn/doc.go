// Package spikernn is the notebook-facing core of the spikernn toolkit, a Go
// re-implementation of Kim, Li & Sejnowski, "Simple framework for
// constructing functional spiking recurrent neural networks" (PNAS 2019).
//
// It builds continuous-variable rate RNNs with biological constraints
// (Dale's principle, sparse random initial weights with a gain, an optional
// SOM subgroup, per-unit decay constants), defines cognitive tasks on both
// the rate and the spiking side (Go-NoGo, context-dependent integration
// "mante", temporal XOR, and user tasks through a registry), simulates the
// rate network in plain Go, and reads and writes model files in the
// reference's MATLAB format so models move both ways between spikernn and
// the original TensorFlow/MATLAB tools.
//
// Training lives in package gomlxmodels and the spiking simulator in package
// lifsim; both build on the types here.
//
// Every random draw flows from an explicit seed (see NewRand and SubRand).
package spikernn
