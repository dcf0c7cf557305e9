-- Commit one processed event on the debtor slot, if the state version still holds.
-- KEYS: state, evt marker, pending, send keys to schedule (n_schedule), send keys to cancel (n_cancel)
-- ARGV: expected_version, state, replay, evt_ttl_ms, n_schedule, n_cancel,
--       then n_schedule x (send_id, partition, due_ms, payload), then n_cancel x send_id
-- Returns {1, new_version, {cancelled send ids}} or {0, current_version, {}}.
local version = state_version(redis.call('GET', KEYS[1]))
if version ~= tonumber(ARGV[1]) then return {0, version, {}} end
version = version + 1
write_state(KEYS[1], version, ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])

local n_schedule = tonumber(ARGV[5])
local n_cancel = tonumber(ARGV[6])
local a = 7
for i = 1, n_schedule do
  local key = KEYS[3 + i]
  -- Deterministic send ids: a pending record means this send is planned already. (Finished sends
  -- are remembered in the state, and the caller leaves them out.)
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'status', 'scheduled', 'partition', ARGV[a + 1], 'due_ms', ARGV[a + 2],
      'attempts', '0', 'payload', ARGV[a + 3])
    redis.call('HSET', KEYS[3], ARGV[a], ARGV[a + 2])
  end
  a = a + 4
end

local cancelled = {}
for i = 1, n_cancel do
  local key = KEYS[3 + n_schedule + i]
  if redis.call('HGET', key, 'status') == 'scheduled' then
    close_send(key, KEYS[3], ARGV[a])
    cancelled[#cancelled + 1] = ARGV[a]
  end
  a = a + 1
end
return {1, version, cancelled}
