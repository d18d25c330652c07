package loader

import "sentry/pkg/vfs"

// ScriptInterpreter reports the interpreter a `#!` script at path names,
// or ok false if path is not a script: with Machine, it lets a caller
// choose the platform of a script from the program that will run it.
func ScriptInterpreter(fs *vfs.FS, cwd *vfs.Dentry, path string) (interp string, ok bool, err error) {
	f, err := openExec(fs, cwd, path)
	if err != nil {
		return "", false, err
	}
	defer f.DecRef()
	interp, _, ok, err = readShebang(f)
	return interp, ok, err
}
