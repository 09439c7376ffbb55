package store

import (
	"context"
	"crypto/rand"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/tenant"
)

const appActive = tenant.Active

// CreateApp creates an app with a new id; its slug must be free.
func (s *Store) CreateApp(ctx context.Context, a tenant.App) (tenant.App, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return tenant.App{}, err
	}
	a.ID = customer.NewID()
	a.Status = tenant.Active
	a.CustomerCount = 0
	a.CreatedAt = s.now()

	cursorKey := make([]byte, 32)
	_, _ = rand.Read(cursorKey)
	meta, err := marshal("create app", appItem{
		PK: appPK(a.ID), SK: metaSK, Type: typeApp, GSI3PK: appsPK, GSI3SK: formatTime(a.CreatedAt) + "#" + a.ID,
		ID: a.ID, Slug: a.Slug, Name: a.Name, Description: a.Description, Status: string(a.Status),
		CursorKey: cursorKey, IndexVersion: IndexVersion, CreatedAt: formatTime(a.CreatedAt), Version: 1,
	})
	if err != nil {
		return tenant.App{}, err
	}
	guard, err := marshal("create app", guardItem{PK: slugPK(a.Slug), SK: slugSK, Type: typeSlugGuard, AppID: a.ID})
	if err != nil {
		return tenant.App{}, err
	}
	shards := make([]txItem, s.shards)
	for n := range shards {
		if shards[n], err = s.shardPut(a.ID, n, tenant.Active); err != nil {
			return tenant.App{}, err
		}
	}
	// The app, its slug and the shards one transaction holds; the others follow, and a shard
	// that does not is made when a write first needs it (ensureShard).
	first := min(len(shards), maxTransactItems-2)
	err = s.transact(ctx, "create app", append([]txItem{
		condPut(s.table, guard, func(map[string]types.AttributeValue) error { return ErrSlugTaken }),
		condPut(s.table, meta, func(map[string]types.AttributeValue) error { return ErrVersionConflict }),
	}, shards[:first]...))
	if err != nil {
		return tenant.App{}, err
	}
	for part := range slices.Chunk(shards[first:], maxTransactItems-1) {
		if err := s.transact(ctx, "create app", append([]txItem{s.metaActiveCheck(a.ID)}, part...)); err != nil {
			break
		}
	}
	return a, nil
}

// GetApp returns an app by id, whatever its status, with its exact customer count.
func (s *Store) GetApp(ctx context.Context, appID string) (tenant.App, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return tenant.App{}, ErrAppNotFound
	}
	it, err := s.appWithTotal(ctx, "get app", appID)
	if err != nil {
		return tenant.App{}, err
	}
	return it.app(), nil
}

// AppName is an app's name, whatever its status, in one read: for a request with a key made
// before keys held the app's name (auth.Key.AppName).
func (s *Store) AppName(ctx context.Context, appID string) (string, error) {
	it, err := s.appItem(ctx, appID)
	return it.Name, err
}

// AppBySlug returns an app by slug, whatever its status.
func (s *Store) AppBySlug(ctx context.Context, slug string) (tenant.App, error) {
	id, err := s.AppIDBySlug(ctx, slug)
	if err != nil {
		return tenant.App{}, err
	}
	return s.GetApp(ctx, id)
}

// AppIDBySlug resolves a slug with one read of its guard. The id stays valid for the app's
// whole life: every operation on it checks the app's status itself.
func (s *Store) AppIDBySlug(ctx context.Context, slug string) (string, error) {
	probe := tenant.App{Slug: slug}
	probe.Normalize()
	if probe.Slug == "" || len(probe.Slug) > 63 {
		return "", ErrAppNotFound
	}
	g, err := s.getOne(ctx, "app by slug", itemKey(slugPK(probe.Slug), slugSK))
	if err != nil {
		return "", err
	}
	if g == nil {
		return "", ErrAppNotFound
	}
	return attrS(g, "app_id"), nil
}

// Ping reads one (absent) item: it tells whether the table answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.getOne(ctx, "ping", itemKey("HEALTH", "#HEALTH"))
	return err
}

// appItem reads an app's META item, whatever its status.
func (s *Store) appItem(ctx context.Context, appID string) (appItem, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return appItem{}, ErrAppNotFound
	}
	m, err := s.getOne(ctx, "get app", itemKey(appPK(appID), metaSK))
	if err != nil {
		return appItem{}, err
	}
	return decodeApp(m)
}

// activeApp reads an app's META item, with its total (appWithTotal), and checks that it is
// ACTIVE.
func (s *Store) activeApp(ctx context.Context, appID string) (appItem, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return appItem{}, ErrAppNotFound
	}
	it, err := s.appWithTotal(ctx, "get app", appID)
	if err != nil {
		return appItem{}, err
	}
	if it.Status != string(appActive) {
		return appItem{}, ErrAppNotActive
	}
	return it, nil
}

func decodeApp(m map[string]types.AttributeValue) (appItem, error) {
	if m == nil {
		return appItem{}, ErrAppNotFound
	}
	return unmarshal[appItem]("get app", m)
}

// checkActive checks an app item read alongside other items.
func checkActive(m map[string]types.AttributeValue) error {
	if m == nil {
		return ErrAppNotFound
	}
	if attrS(m, "status") != string(appActive) {
		return ErrAppNotActive
	}
	return nil
}
