//go:build !amd64

package riscv

// There is no translator for this host: the interpreter runs everything.

const jitNoSite = -1

type jitState struct{}

func (j *jitState) reset() {}

func (ctx *context) exec() stop { return ctx.cpu.run(&ctx.poke) }

type jitFP struct{}
