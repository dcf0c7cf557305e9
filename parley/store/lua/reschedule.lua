-- Move a still-scheduled send to a new due time (its partition never changes).
-- KEYS: send, pending. ARGV: send_id, due_ms. Returns 1 if moved, 0 if the send is not scheduled.
if redis.call('HGET', KEYS[1], 'status') ~= 'scheduled' then return 0 end
redis.call('HSET', KEYS[1], 'due_ms', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
