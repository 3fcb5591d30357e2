package sqlstore

import (
	"context"
	"fmt"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

const deliveryCols = `id, org_id, message_id, key_id, event, url, attempt, status, response_status, error, created_at`

func scanDelivery(s interface{ Scan(...any) error }) (*keyhouse.WebhookDelivery, error) {
	var d keyhouse.WebhookDelivery
	var created int64
	if err := s.Scan(&d.ID, &d.OrgID, &d.MessageID, &d.KeyID, &d.Event, &d.URL, &d.Attempt, &d.Status, &d.ResponseStatus, &d.Error, &created); err != nil {
		return nil, err
	}
	d.CreatedAt = fromMS(created)
	return &d, nil
}

func (t *tx) CreateWebhookDelivery(ctx context.Context, d *keyhouse.WebhookDelivery) error {
	const q = `INSERT INTO webhook_deliveries (` + deliveryCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err := t.exec(ctx, q, d.ID, d.OrgID, d.MessageID, d.KeyID, d.Event, d.URL, d.Attempt, d.Status, d.ResponseStatus, d.Error, ms(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("create webhook delivery: %w", err)
	}
	return nil
}

func (t *tx) WebhookDeliveries(ctx context.Context, orgID, keyID keyhouse.ID, pg keyhouse.Page) ([]*keyhouse.WebhookDelivery, int, error) {
	l, o := limitOffset(pg)
	if keyID != "" {
		const q = `SELECT ` + deliveryCols + `, COUNT(*) OVER () FROM webhook_deliveries WHERE org_id = ? AND key_id = ?
ORDER BY created_at DESC, attempt DESC, id DESC LIMIT ? OFFSET ?`
		rows, err := t.query(ctx, q, orgID, keyID, l, o)
		if err != nil {
			return nil, 0, err
		}
		return collectCounted(rows, scanDelivery)
	}
	const q = `SELECT ` + deliveryCols + `, COUNT(*) OVER () FROM webhook_deliveries WHERE org_id = ?
ORDER BY created_at DESC, attempt DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := t.query(ctx, q, orgID, l, o)
	if err != nil {
		return nil, 0, err
	}
	return collectCounted(rows, scanDelivery)
}
