-- Hand a dispatching send back to the schedule: the provider refused it with a transient error (it
-- never accepted it), so it will be tried again at due_ms. The state without the attempt is written
-- if the version still holds. KEYS: state, send, pending. ARGV: send_id, due_ms, expected_version, state.
-- Returns {released (0/1), state_written (0/1), version}.
local raw = redis.call('GET', KEYS[1])
local version = state_version(raw)
if redis.call('HGET', KEYS[2], 'status') ~= 'dispatching' then return {0, 0, version} end
redis.call('HSET', KEYS[2], 'status', 'scheduled', 'due_ms', ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
if version ~= tonumber(ARGV[3]) then return {1, 0, version} end
write_state(KEYS[1], version + 1, ARGV[4])
return {1, 1, version + 1}
