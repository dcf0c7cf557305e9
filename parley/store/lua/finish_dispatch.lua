-- A pending send is final; optionally compare-and-set the state too.
-- KEYS: state, send, pending. ARGV: send_id, expected_version ('' = no state), state,
--   only_if_current ('1': the send is closed only together with the state; a version conflict, or a
--   send no longer pending, changes nothing — the caller decides again on the fresh state).
-- KEYS[4], ARGV[5] (one server, not a cluster: another slot): the send's due set and entry, removed in
--   the same step once the send is closed (always, without only_if_current).
-- Returns {recorded 0|1, state_written 0|1, version}.
local version = state_version(redis.call('GET', KEYS[1]))
local current = ARGV[2] ~= '' and version == tonumber(ARGV[2])
local status = redis.call('HGET', KEYS[2], 'status')
local pending = status == 'scheduled' or status == 'dispatching'
if ARGV[4] == '1' and not (current and pending) then return {0, 0, version} end
if pending then close_send(KEYS[2], KEYS[3], ARGV[1]) end
if KEYS[4] then redis.call('ZREM', KEYS[4], ARGV[5]) end
if not current then return {pending and 1 or 0, 0, version} end
write_state(KEYS[1], version + 1, ARGV[3])
return {pending and 1 or 0, 1, version + 1}
