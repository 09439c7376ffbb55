package lago

import (
	"net/url"
	"strings"
)

// What the external tests of the package (lago_test) read of its insides.

// WorstList is a list query with every filter at its bound (worstList).
func WorstList() url.Values { return worstList() }

// CountryCodes are the 249 country codes Lago takes, separated by spaces.
func CountryCodes() string { return countryCodes() }

// Bounds of a list's filters: distinct states[] or zipcodes[], and metadata filters.
const (
	MaxListValues     = maxListValues
	MaxMetadataFilter = maxMetadataFilter
)

// What the view may show.
var (
	Currencies       = strings.Fields(lagoCurrencies)
	Timezones        = append([]string{"UTC"}, strings.Fields(lagoTimezones)...)
	PaymentProviders = paymentProviders
)
