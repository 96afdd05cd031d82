/** Where Wan 2.6 image-to-video is submitted on Segmind (contract section 3). */
export const segmindModelPath = '/v2/wan-2.6-i2v';
