#!/usr/bin/env bash
# Adds a migration of one store for both engines: SQLite (Data/Migrations/<Store>) and PostgreSQL
# (Data/Migrations/PostgreSql/<Store>). Usage: Kitu.V2X.Portal/Data/Migrations/add-migration.sh Portal|Grid Name
#
# Both engines' snapshots are named <Store>DbContextModelSnapshot.cs; `dotnet ef` rewrites whichever file of that
# name it finds first, so the other engine's snapshot is moved out of the project while one engine's is generated.
# No database is needed: the connection strings below are never opened.
set -euo pipefail
store="${1:?Portal or Grid}"
name="${2:?migration name}"
case "$store" in Portal|Grid) ;; *) echo "store: Portal or Grid" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../../.."
here="Kitu.V2X.Portal/Data/Migrations"
aside="$(mktemp -d)"
trap 'mv "$aside"/sqlite.cs "$here/$store/${store}DbContextModelSnapshot.cs" 2>/dev/null || true;
      mv "$aside"/postgresql.cs "$here/PostgreSql/$store/${store}DbContextModelSnapshot.cs" 2>/dev/null || true;
      rmdir "$aside"' EXIT

dotnet tool restore >/dev/null
dotnet build Kitu.V2X.Portal -v q -nologo -clp:ErrorsOnly

add() { # add PROVIDER FOLDER
  Storage__Provider="$1" ConnectionStrings__Portal="Host=localhost;Database=design_portal" ConnectionStrings__Grid="Host=localhost;Database=design_grid" \
    dotnet ef migrations add "$name" --no-build --project Kitu.V2X.Portal --context "${store}DbContext" --output-dir "Data/Migrations/$2"
}

[ -f "$here/PostgreSql/$store/${store}DbContextModelSnapshot.cs" ] && mv "$here/PostgreSql/$store/${store}DbContextModelSnapshot.cs" "$aside/postgresql.cs"
add Sqlite "$store"
mv "$here/$store/${store}DbContextModelSnapshot.cs" "$aside/sqlite.cs"
mv "$aside/postgresql.cs" "$here/PostgreSql/$store/${store}DbContextModelSnapshot.cs" 2>/dev/null || true
add PostgreSql "PostgreSql/$store"
