package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a progress bar on standard error: a bar and a percentage when the
// total is known, a count and the time spent otherwise. It redraws at most ten times
// a second, and from its own goroutine too, so that work without steps (a check, a
// commit) still shows time passing. A progress that is off draws nothing.
type progress struct {
	w     io.Writer
	label string
	total int64
	unit  func(int64) string
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex // guards drawing
	width int        // of the last line drawn
}

// newProgress starts a progress bar for work of total units (0: unknown), written by
// unit, when standard error is a terminal or --progress says so; otherwise it returns
// nil, on which every method does nothing.
func (e *env) newProgress(label string, total int64, unit func(int64) string) *progress {
	if !e.progress && !isTerminal(e.stderr) {
		return nil
	}
	p := &progress{w: e.stderr, label: label, total: total, unit: unit, start: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				p.draw()
			}
		}
	}()
	p.draw()
	return p
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// set records that n units are done.
func (p *progress) set(n int64) {
	if p != nil {
		p.done.Store(n)
	}
}

// add records n more units done.
func (p *progress) add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.done.Load()
	elapsed := time.Since(p.start).Truncate(time.Second)
	var line string
	if p.total > 0 {
		frac := min(float64(n)/float64(p.total), 1)
		const width = 30
		filled := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %3.0f%% %s/%s %s", p.label, strings.Repeat("#", filled), strings.Repeat("-", width-filled),
			frac*100, p.unit(n), p.unit(p.total), elapsed)
	} else {
		line = fmt.Sprintf("%s %s %s", p.label, p.unit(n), elapsed)
	}
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// finish draws the bar a last time and ends its line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.draw()
	fmt.Fprintln(p.w)
}

// bytesUnit writes a number of bytes: "512 B", "1.5 MiB".
func bytesUnit(n int64) string {
	const k = 1024
	switch {
	case n < k:
		return fmt.Sprintf("%d B", n)
	case n < k*k:
		return fmt.Sprintf("%.1f KiB", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.1f MiB", float64(n)/(k*k))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(k*k*k))
}

// recordsUnit writes a number of records.
func recordsUnit(n int64) string { return fmt.Sprintf("%d records", n) }

// countingReader counts the bytes read through it into a progress bar.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(int64(n))
	return n, err
}
