import { builder } from './builder.js';
import './roots.js';
import './scalars.js';
import './errors.js';
import './video-job.js';
import './video-job-queries.js';
import './create-video.js';
import './cancel-video-job.js';
import './viewer.js';
import './webhooks.js';
import './api-tokens.js';

// Definition order, not alphabetical: enums read in lifecycle order and types next to what they describe.
export const schema = builder.toSchema({ sortSchema: false });
