import { builder } from './builder.js';
import './roots.js';
import './scalars.js';
import './errors.js';
import './video-job.js';
import './create-video.js';

// Definition order, not alphabetical: enums read in lifecycle order and types next to what they describe.
export const schema = builder.toSchema({ sortSchema: false });
