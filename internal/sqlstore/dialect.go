package sqlstore

import (
	"strconv"
	"strings"
	"sync"
)

// dialect holds what differs between SQLite and PostgreSQL.
type dialect struct {
	name string
	// forUpdate is appended to a SELECT that must lock its rows. SQLite has
	// one writer at a time, so it needs none.
	forUpdate string
	dollar    bool
	cache     sync.Map // query -> rebound query
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres", forUpdate: " FOR UPDATE", dollar: true}
)

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Queries are
// constants, so each is rewritten once and cached.
func (d *dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	if v, ok := d.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	s := b.String()
	d.cache.Store(q, s)
	return s
}
