module github.com/commercekit/pricing/cmd/pricing

go 1.25.0

require (
	github.com/commercekit/pricing v0.0.0
	github.com/commercekit/pricing/postgres v0.0.0
	github.com/jackc/pgx/v5 v5.12.0
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace github.com/commercekit/pricing => ../..

replace github.com/commercekit/pricing/postgres => ../../postgres
