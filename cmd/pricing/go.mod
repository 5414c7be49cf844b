module github.com/commercekit/pricing/cmd/pricing

go 1.25.0

require (
	github.com/commercekit/pricing v0.0.0
	go.etcd.io/bbolt v1.4.3
)

require (
	github.com/google/uuid v1.6.0 // indirect
	golang.org/x/sys v0.29.0 // indirect
)

replace github.com/commercekit/pricing => ../..
