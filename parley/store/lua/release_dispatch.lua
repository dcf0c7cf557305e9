-- Hand a dispatching send back to the schedule: the provider never took it (a transient refusal, or a
-- crash before the call), so it will be tried again at due_ms. The send is released only together with
-- the state (without the attempt, no longer in flight), and only if the version still holds: an event
-- that landed during the provider call may have cancelled the send (its tombstone in the state), so the
-- caller decides again on the fresh state while the send stays dispatching under its claim. A send is
-- therefore never scheduled while its state still shows it in flight.
-- KEYS: state, send, pending. ARGV: send_id, due_ms, expected_version, state.
-- Returns {outcome, version}; outcome: released | conflict | not_dispatching.
local version = state_version(redis.call('GET', KEYS[1]))
if redis.call('HGET', KEYS[2], 'status') ~= 'dispatching' then return {'not_dispatching', version} end
if version ~= tonumber(ARGV[3]) then return {'conflict', version} end
redis.call('HSET', KEYS[2], 'status', 'scheduled', 'due_ms', ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
write_state(KEYS[1], version + 1, ARGV[4])
return {'released', version + 1}
