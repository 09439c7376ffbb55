package ingest

import (
	"context"
	"errors"
	"strings"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/store"
)

// appRef is an app as a command names it. A bare UUID is also a well-formed slug, so it is
// tried as an id first and as a slug second; "app_<uuid>" can only be an id (slugs have no
// underscore).
type appRef struct {
	id   string // set when the reference is an id
	slug string // set when the reference may be a slug
}

func parseAppRef(s string) (appRef, bool) {
	if rest, ok := strings.CutPrefix(s, "app_"); ok {
		id, ok := customer.ParseID(rest)
		return appRef{id: id}, ok
	}
	ref := appRef{slug: strings.ToLower(s)}
	if id, ok := customer.ParseID(s); ok {
		ref.id = id
	}
	return ref, true
}

// onApp runs the operation on the app the reference names. Slugs are resolved once per
// process (an app keeps its id for life), but a slug may be freed by a deleted app and taken
// by a new one: when the app turns out gone, a cached slug is looked up again, and a UUID is
// tried as a slug, before the answer is final.
func (in *Ingester) onApp(ctx context.Context, ref appRef, run op) (Result, error) {
	appID, cached := ref.id, false
	if appID == "" {
		var err error
		if appID, cached, err = in.slugID(ctx, ref.slug); err != nil {
			return Result{}, err
		}
	}
	res, err := run(ctx, appID)
	if !(errors.Is(err, store.ErrAppNotFound) || errors.Is(err, store.ErrAppNotActive)) ||
		ref.slug == "" || (!cached && ref.id == "") {
		return res, err
	}
	in.slugs.Delete(ref.slug)
	fresh, _, lookupErr := in.slugID(ctx, ref.slug)
	switch {
	case errors.Is(lookupErr, store.ErrAppNotFound):
		return res, err
	case lookupErr != nil:
		return res, lookupErr
	case fresh == appID:
		return res, err
	}
	return run(ctx, fresh)
}

// slugID resolves a slug, from the cache when it can.
func (in *Ingester) slugID(ctx context.Context, slug string) (id string, cached bool, err error) {
	if v, ok := in.slugs.Load(slug); ok {
		return v.(string), true, nil
	}
	id, err = in.store.AppIDBySlug(ctx, slug)
	if err != nil {
		return "", false, err
	}
	in.slugs.Store(slug, id)
	return id, false, nil
}
