# Readiness probe and password rotation of one redis pod (README, "Rotating the redis password").
#
#   sh /etc/redis/auth.sh ready    the readiness probe
#   sh /etc/redis/auth.sh add      by hand, before the store changes: accept the password on stdin
#   sh /etc/redis/auth.sh revoke   by hand, after every client moved: accept only the Secret's
#
# /etc/redis-passwd/password is the Secret's password, the one clients use; /config/password the
# one this redis is known to accept (the init container writes the start-up one). When the
# Secret's is not accepted yet, `ready` adds it next to the old ones before answering, so a new
# password never makes the pod unready; clients holding an old one keep working until `revoke`.
# Passwords reach redis-cli through its environment and stdin, never its command line.
set -eu
umask 077
secret="$(cat /etc/redis-passwd/password)"
known="$(cat /config/password)"

# cli PASSWORD ARG...: one redis-cli command authenticated with PASSWORD; prints the reply.
cli() {
  auth="$1"
  shift
  REDISCLI_AUTH="$auth" redis-cli --no-auth-warning "$@" 2>/dev/null
}

accepted() {
  [ "$(cli "$1" ping)" = PONG ]
}

# add_password AUTH NEW: let the default user log in with NEW as well.
add_password() {
  [ "$(printf '>%s' "$2" | cli "$1" -x acl setuser default)" = OK ]
}

# replicate_with PASSWORD: the password this pod gives its primary, and the one it knows.
replicate_with() {
  [ "$(printf '%s' "$1" | cli "$1" -x config set masterauth)" = OK ]
  printf '%s' "$1" > /config/password.new
  mv /config/password.new /config/password
}

case "${1:-ready}" in
  ready)
    if ! accepted "$secret"; then
      accepted "$known" || exit 1
      add_password "$known" "$secret"
    fi
    if [ "$secret" != "$known" ]; then
      replicate_with "$secret"
    fi
    accepted "$secret"
    ;;
  add)
    new="$(cat)"
    if [ -z "$new" ]; then
      echo "no password on stdin" >&2
      exit 2
    fi
    add_password "$known" "$new"
    echo "redis accepts the new password as well"
    ;;
  revoke)
    if [ "$secret" != "$known" ] || ! accepted "$secret"; then
      echo "the Secret's password is not in use here yet: wait for the readiness probe" >&2
      exit 1
    fi
    [ "$(printf '>%s' "$secret" | cli "$secret" -x acl setuser default resetpass)" = OK ]
    echo "redis accepts only the Secret's password"
    ;;
  *)
    echo "usage: auth.sh ready|add|revoke" >&2
    exit 2
    ;;
esac
