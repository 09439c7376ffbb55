package customer

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/clientele/clientele/internal/wire"
)

// Opt is an optional value in a Patch: Set false leaves the field as it is; Set true writes
// Value, where the zero value clears the field (an explicit JSON null in the dialects that
// have one).
type Opt[T any] struct {
	Set   bool
	Value T
}

// Some returns a set Opt.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: v} }

// Patch is a partial update: only the fields that are Set change.
type Patch struct {
	Email       Opt[string]
	Name        Opt[string]
	Username    Opt[string]
	ExternalID  Opt[string]
	Metadata    Opt[[]Metadata] // replaces the whole list
	Address     AddressPatch
	LegalName   Opt[string]
	LegalNumber Opt[string]
	LogoURL     Opt[string]
	Phone       Opt[string]
	URL         Opt[string]
	DiscordID   Opt[string]
	Lago        map[string]json.RawMessage // each key sets its field of Customer.Lago; a JSON null removes it

	// MetadataByID matches the entries of Metadata with the stored ones by their ID (as
	// Metadata.EntryID shows it) instead of by key: a matched entry keeps its id, whatever its
	// key becomes; an entry with no id or an unknown one is a new entry.
	MetadataByID bool

	// KeepLocked and KeepDisplayInInvoice keep a flag of the entries whose key stays, for the
	// dialects whose metadata does not carry that flag: the Apps API carries neither, Lukittu
	// only locked, Lago only display_in_invoice.
	KeepLocked           bool
	KeepDisplayInInvoice bool
}

// AddressPatch changes single address fields (Lago sends them one by one).
type AddressPatch struct {
	Line1      Opt[string]
	Line2      Opt[string]
	City       Opt[string]
	State      Opt[string]
	Country    Opt[string]
	PostalCode Opt[string]
}

// Replace returns the patch that turns any customer into c's data (a full replace, as a
// PUT does). Identity, creator and timestamps are not part of it.
func Replace(c Customer) Patch {
	return Patch{
		Email:      Some(c.Email),
		Name:       Some(c.Name),
		Username:   Some(c.Username),
		ExternalID: Some(c.ExternalID),
		Metadata:   Some(c.Metadata),
		Address: AddressPatch{
			Line1:      Some(c.Address.Line1),
			Line2:      Some(c.Address.Line2),
			City:       Some(c.Address.City),
			State:      Some(c.Address.State),
			Country:    Some(c.Address.Country),
			PostalCode: Some(c.Address.PostalCode),
		},
		LegalName:   Some(c.LegalName),
		LegalNumber: Some(c.LegalNumber),
		LogoURL:     Some(c.LogoURL),
		Phone:       Some(c.Phone),
		URL:         Some(c.URL),
		DiscordID:   Some(c.DiscordID),
	}
}

// Apply returns c with the patch's fields written over it, normalized. c is not modified.
func (p Patch) Apply(c Customer) Customer {
	set := func(dst *string, o Opt[string]) {
		if o.Set {
			*dst = o.Value
		}
	}
	set(&c.Email, p.Email)
	set(&c.Name, p.Name)
	set(&c.Username, p.Username)
	set(&c.ExternalID, p.ExternalID)
	set(&c.LegalName, p.LegalName)
	set(&c.LegalNumber, p.LegalNumber)
	set(&c.LogoURL, p.LogoURL)
	set(&c.Phone, p.Phone)
	set(&c.URL, p.URL)
	set(&c.DiscordID, p.DiscordID)
	set(&c.Address.Line1, p.Address.Line1)
	set(&c.Address.Line2, p.Address.Line2)
	set(&c.Address.City, p.Address.City)
	set(&c.Address.State, p.Address.State)
	set(&c.Address.Country, p.Address.Country)
	set(&c.Address.PostalCode, p.Address.PostalCode)
	if len(p.Lago) > 0 {
		lago := maps.Clone(c.Lago)
		if lago == nil {
			lago = map[string]json.RawMessage{}
		}
		for k, v := range p.Lago {
			if wire.IsNull(v) {
				delete(lago, k)
			} else {
				lago[k] = v
			}
		}
		c.Lago = lago
		if len(lago) == 0 {
			c.Lago = nil
		}
	}
	if p.Metadata.Set {
		old := c.Metadata
		c.Metadata = slices.Clone(p.Metadata.Value)
		for i, m := range c.Metadata {
			same := func(o Metadata) bool { return o.Key == m.Key }
			if p.MetadataByID {
				c.Metadata[i].ID = ""
				same = func(o Metadata) bool { return m.ID != "" && o.EntryID(c.ID) == m.ID }
			}
			j := slices.IndexFunc(old, same)
			if j < 0 {
				continue
			}
			if p.MetadataByID {
				c.Metadata[i].ID = old[j].EntryID(c.ID) // the entry keeps its id, whatever its key now
			} else if m.ID == "" {
				c.Metadata[i].ID = old[j].ID // an entry keeps its id while its key stays
			}
			if p.KeepLocked {
				c.Metadata[i].Locked = old[j].Locked
			}
			if p.KeepDisplayInInvoice {
				c.Metadata[i].DisplayInInvoice = old[j].DisplayInInvoice
			}
		}
	}
	c.Metadata = slices.Clone(c.Metadata)
	c.Lago = maps.Clone(c.Lago)
	c.Normalize()
	return c
}
