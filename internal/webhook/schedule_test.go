package webhook

import (
	"testing"
	"time"
)

func TestBackoffFollowsEachProductsSchedule(t *testing.T) {
	const giveUp = -1
	for _, c := range []struct {
		format Format
		waits  []time.Duration // after the 1st, 2nd, … failure; giveUp ends the delivery
	}{
		{Lago, []time.Duration{3 * time.Second, 18 * time.Second, giveUp}},
		{Lukittu, []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, giveUp}},
		{Apps, []time.Duration{
			5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute,
			160 * time.Minute, 320 * time.Minute,
			8 * time.Hour, 8 * time.Hour, 8 * time.Hour, 8 * time.Hour, 8 * time.Hour, 8 * time.Hour, 8 * time.Hour,
			giveUp,
		}},
		{Format("stripe"), []time.Duration{giveUp}},
	} {
		t.Run(string(c.format), func(t *testing.T) {
			for i, want := range c.waits {
				failed := i + 1
				wait, retry := c.format.Backoff(failed)
				if want == giveUp {
					if retry {
						t.Errorf("after failure %d: retries after %v, want give up", failed, wait)
					}
					continue
				}
				if !retry || wait != want {
					t.Errorf("after failure %d: (%v, %v), want (%v, true)", failed, wait, retry, want)
				}
			}
		})
	}
}

func TestAppsRetriesStayWithinThreeDaysAndSQSVisibility(t *testing.T) {
	var elapsed time.Duration
	attempts := 1
	for {
		wait, retry := Apps.Backoff(attempts)
		if !retry {
			break
		}
		if wait > 12*time.Hour {
			t.Errorf("after failure %d the wait is %v, past SQS's 12 h visibility limit", attempts, wait)
		}
		elapsed += wait
		attempts++
	}
	if elapsed > 72*time.Hour {
		t.Errorf("the last attempt is %v after the first, past 3 days", elapsed)
	}
	if elapsed < 60*time.Hour {
		t.Errorf("the last attempt is %v after the first: the schedule gives up well before 3 days", elapsed)
	}
	if attempts != 15 {
		t.Errorf("%d attempts, want 15", attempts)
	}
}

func TestBackoffGivesUpOnNonsense(t *testing.T) {
	for _, f := range []Format{Apps, Lago, Lukittu} {
		for _, failed := range []int{0, -1, 1 << 30} {
			if _, retry := f.Backoff(failed); retry {
				t.Errorf("%s.Backoff(%d) retries", f, failed)
			}
		}
	}
}

func TestJitterIsLagosShareOfNToTheFourth(t *testing.T) {
	for _, c := range []struct {
		format Format
		failed int
		r      float64
		want   time.Duration
	}{
		{Lago, 1, 0, 0},
		{Lago, 1, 0.5, 75 * time.Millisecond},
		{Lago, 2, 0.25, 600 * time.Millisecond}, // a quarter of 15 % of 16 s
		{Lago, 2, 1, 0},                         // r out of [0, 1)
		{Lago, 0, 0.5, 0},
		{Lukittu, 2, 0.5, 0},
		{Apps, 2, 0.5, 0},
	} {
		if got := c.format.Jitter(c.failed, c.r); got != c.want {
			t.Errorf("%s.Jitter(%d, %v) = %v, want %v", c.format, c.failed, c.r, got, c.want)
		}
	}
}
