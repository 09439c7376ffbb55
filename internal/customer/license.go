package customer

import "time"

// LicenseStatus is the stored state of a license.
type LicenseStatus string

// License states. Expired is also derived from ExpiresAt by Status.
const (
	LicenseActive  LicenseStatus = "active"
	LicenseRevoked LicenseStatus = "revoked"
	LicenseExpired LicenseStatus = "expired"
)

// License is a minimal license owned by exactly one customer; it exists so that deleting a
// customer has something real to cascade to.
type License struct {
	ID         string
	CustomerID string
	Status     LicenseStatus
	ExpiresAt  time.Time // zero: never expires
	CreatedAt  time.Time
}

// StatusAt is the status as of now: an active license past its expiry is expired.
func (l License) StatusAt(now time.Time) LicenseStatus {
	if l.Status == LicenseActive && !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt) {
		return LicenseExpired
	}
	return l.Status
}

// Validate checks a new license.
func (l License) Validate() error {
	var v ValidationError
	if _, ok := ParseID(l.CustomerID); !ok {
		v.Add("customer_id", CodeInvalidFormat, "must be a customer id")
	}
	switch l.Status {
	case LicenseActive, LicenseRevoked, LicenseExpired:
	default:
		v.Add("status", CodeInvalidFormat, "must be active, revoked or expired")
	}
	if !l.ExpiresAt.IsZero() && !l.CreatedAt.IsZero() && !l.ExpiresAt.After(l.CreatedAt) {
		v.Add("expires_at", CodeInvalidFormat, "must be after the license is created")
	}
	return v.Err()
}
