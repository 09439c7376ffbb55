package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a one-line progress bar, redrawn in place with \r: lines done, percentage and
// rate.
type progress struct {
	w     io.Writer
	total int // 0 when unknown
	done  atomic.Int64
	began time.Time
	every time.Duration
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, every: 200 * time.Millisecond}
}

func (p *progress) add(n int) { p.done.Add(int64(n)) }

// start draws the bar until the returned function is called, which draws it a last time and
// ends its line.
func (p *progress) start() (stop func()) {
	p.began = time.Now()
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(p.every)
		defer t.Stop()
		for {
			p.draw()
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		p.draw()
		fmt.Fprintln(p.w)
	}
}

const barWidth = 30

func (p *progress) draw() {
	done := int(p.done.Load())
	rate := 0.0
	if s := time.Since(p.began).Seconds(); s > 0 {
		rate = float64(done) / s
	}
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%d lines  %.0f/s ", done, rate)
		return
	}
	frac := min(float64(done)/float64(p.total), 1)
	filled := int(frac * barWidth)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %5.1f%%  %.0f/s ",
		strings.Repeat("=", filled), strings.Repeat(" ", barWidth-filled), done, p.total, frac*100, rate)
}
