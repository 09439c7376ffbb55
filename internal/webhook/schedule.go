package webhook

import "time"

// Each format's retry schedule, from its product (docs/webhooks.md#retries).
const (
	lagoAttempts    = 3    // lago-api's LAGO_WEBHOOK_ATTEMPTS default: attempts in all, the first included
	lagoJitter      = 0.15 // ActiveJob's polynomially_longer jitter, a share of n⁴
	lukittuAttempts = 5    // Lukittu's maxRetries, compared with the attempts made, the first included
	lukittuBase     = 60 * time.Second
	appsFirstWait   = 5 * time.Minute
	appsMaxWait     = 8 * time.Hour // under SQS's 12 h visibility limit, with room for the attempt itself
	appsWindow      = 72 * time.Hour
	appsMaxAttempts = 64 // more than the window holds; bounds the loop below
)

// Backoff returns how long to wait after the failed-th attempt of a delivery failed (1 for
// the first attempt) before the next one, and false when the delivery is given up.
//   - Lago: 3 attempts; after the nth failure lago-api waits n⁴ + 2 s (3 s, then 18 s) plus
//     a random 0-15 % of n⁴, which Jitter adds: this function is deterministic.
//   - Lukittu: 5 attempts; it waits 60 s × 2ⁿ⁻¹ (1, 2, 4, then 8 minutes).
//   - Apps (Stripe's model): waits doubling from 5 minutes up to 8 hours, for as long as the
//     next attempt falls within 72 hours of the first: 15 attempts, the last after 66 h 35 min.
func (f Format) Backoff(failed int) (time.Duration, bool) {
	if failed < 1 {
		return 0, false
	}
	switch f {
	case Lago:
		if failed >= lagoAttempts {
			return 0, false
		}
		n := time.Duration(failed)
		return (n*n*n*n + 2) * time.Second, true
	case Lukittu:
		if failed >= lukittuAttempts {
			return 0, false
		}
		return lukittuBase << (failed - 1), true
	case Apps:
		if failed > appsMaxAttempts {
			return 0, false
		}
		var elapsed, wait time.Duration
		for n := 1; n <= failed; n++ {
			wait = appsWait(n)
			elapsed += wait
		}
		if elapsed > appsWindow {
			return 0, false
		}
		return wait, true
	}
	return 0, false
}

// appsWait is the native wait after the nth failure, before the 72-hour window is applied.
func appsWait(n int) time.Duration {
	if n > 16 { // 5 min << 16 is far past the cap; no shift overflows
		return appsMaxWait
	}
	return min(appsFirstWait<<(n-1), appsMaxWait)
}

// Jitter is the random part of the wait after the failed-th attempt, for r uniform in [0, 1):
// Lago's 0-15 % of n⁴ seconds; the other formats wait exactly their Backoff.
func (f Format) Jitter(failed int, r float64) time.Duration {
	if f != Lago || failed < 1 || r < 0 || r >= 1 {
		return 0
	}
	n := float64(failed)
	return time.Duration(r * lagoJitter * n * n * n * n * float64(time.Second))
}
