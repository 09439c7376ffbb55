package changes

import (
	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/customer"
)

// Customer is a customer as events carry it: the Apps API's representation, so that a
// consumer handles events and API responses alike.
type Customer = appsapi.Customer

// Render renders a customer for an event.
func Render(c customer.Customer) Customer { return appsapi.RenderCustomer(c) }
