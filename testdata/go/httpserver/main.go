// httpserver is a Go program for the e2e tests: the Go runtime (threads,
// futexes, signals, epoll, non-blocking sockets) serving HTTP from inside
// the sandbox.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h, _ := os.Hostname()
		fmt.Fprintf(w, "hello from %s, pid %d, path %s\n", h, os.Getpid(), r.URL.Path)
	})
	if err := http.ListenAndServe(":8080", nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
