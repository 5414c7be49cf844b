// Package postgres is a pricing.Store on PostgreSQL.
package postgres
