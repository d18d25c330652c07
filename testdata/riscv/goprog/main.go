// Command goprog exercises the Go runtime on riscv64: goroutines on
// several threads (clone, futex), preemption signals (SIGURG and the
// rt_sigreturn trampoline), maps, floats and strconv. Its output is
// deterministic.
package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	sums := map[int]float64{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			s := 0.0
			for i := 1; i < 200000; i++ { // long enough to be preempted
				s += math.Sqrt(float64(i*g+1)) / float64(i)
			}
			mu.Lock()
			sums[g] = s
			mu.Unlock()
		}(g)
	}
	wg.Wait()
	keys := make([]int, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		fmt.Println(k, strconv.FormatFloat(sums[k], 'g', 12, 64))
	}
	ch := make(chan int)
	go func() {
		for i := 0; i < 1000; i++ {
			ch <- i
		}
		close(ch)
	}()
	t := 0
	for v := range ch {
		t += v
	}
	fmt.Println("channel", t, math.Float32frombits(0x7fc00000) != math.Float32frombits(0x7fc00000))
}
