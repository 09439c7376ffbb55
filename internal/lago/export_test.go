package lago

import "strings"

// What the view may show, for the tests of package lago_test.
var (
	Currencies       = strings.Fields(lagoCurrencies)
	Timezones        = append([]string{"UTC"}, strings.Fields(lagoTimezones)...)
	PaymentProviders = paymentProviders
)
